package profileaudit

// The findings' messages and fixes, in English. Each is a Format (or
// FixFormat) of a Finding and the key of its translation; Messages lists
// them all, so that a catalogue can be checked for missing ones.
const (
	msgNotFound        = "The %s profile %s cannot be found (%s)."
	fixNotFound        = "Check the address or handle of the %s profile in the brand's settings; if the account was deleted or renamed, enter the new one."
	msgUnreadable      = "The %s profile %s could not be read now (%s), so it was not checked."
	fixAgainLater      = "Run the audit again later."
	msgNameMissing     = "The %s profile %s has no display name: the network shows the bare handle."
	msgNameMismatch    = "The display name on %s is %q, not the brand's name %q."
	fixNameBrand       = "Set the display name of the %s profile to the brand's name."
	fixNameSet         = "Set the display name of the %s profile to %q."
	fixNameShort       = "Set the display name of the %s profile to a short form of %q: %s allows %d characters."
	msgBioMissing      = "The %s profile %s has no bio."
	fixBioWrite        = "Write a bio for the %s profile: what the brand does, in one or two sentences, with the website."
	fixBioCopy         = "Write a bio for the %s profile; Portavoce can copy the one on %s: %q."
	msgBioTooLong      = "The bio on %s has %d characters; %s allows %d."
	fixBioShorten      = "Shorten the bio of the %s profile by %d characters."
	msgHeaderMissing   = "The %s profile %s has no header image."
	fixHeaderAdd       = "Add a header image to the %s profile (%s), in the brand's colours."
	msgLinkMissing     = "The %s profile %s does not link to the brand's website %s."
	fixLinkField       = "Set the profile field %q to %s (Edit profile → Extra fields), then link back from the site with <a rel=\"me\" href=\"%s\">Mastodon</a> so that Mastodon verifies it."
	fixLinkFieldsFull  = "The profile has %d fields, the most Mastodon allows: replace one with a field %q set to %s, then link back from the site with <a rel=\"me\" href=\"%s\">Mastodon</a>."
	fixLinkBluesky     = "Set the profile's website to %s and end the description with it (Edit profile)."
	fixLinkBlueskyLong = "Set the profile's website to %s (Edit profile); the description is too long to add it as well: shorten it by %d characters and add it."
	msgLogoUnreadable  = "The brand's logo at %s could not be read (%s), so the avatars were not compared with it."
	fixLogoFormat      = "Give the address of the logo as a PNG or JPEG image, square, at least 400×400 pixels."
	msgAvatarMissing   = "The %s profile %s has no avatar: the network shows its default picture."
	fixAvatarUpload    = "Upload the brand's logo as the avatar of the %s profile (square, at least 400×400 pixels)."
	fixAvatarPortavoce = "Upload the brand's logo as the avatar of the %s profile: Portavoce can do it with the logo from the brand's settings."
	msgAvatarUnread    = "The avatar of the %s profile %s could not be read (%s), so it was not compared."
	msgAvatarNotLogo   = "The avatar of the %s profile %s is not the brand's logo."
	fixAvatarReplace   = "Replace the avatar of the %s profile with the brand's logo (square, at least 400×400 pixels)."
	fixAvatarReplaceP  = "Replace the avatar of the %s profile with the brand's logo: Portavoce can upload the logo from the brand's settings."
	msgAvatarDiffers   = "The avatar of the %s profile %s differs from the one on %s (%s)."
	fixAvatarSame      = "Use the same picture, the brand's logo, as the avatar on every network; give the logo's address in the brand's settings and Portavoce can upload it."
	msgUnverified      = "The link to %s on the Mastodon profile %s is not verified: Mastodon shows no check mark next to it."
	fixResave          = "The page %s already links back with rel=\"me\"; Mastodon checks links when the profile is saved: save it again (Portavoce can do it)."
	fixResaveHTTPS     = "The page %s already links back with rel=\"me\", but Mastodon checks only https:// addresses: write the field as https:// and save the profile again."
	fixPageUnreachable = "Make sure %s can be opened, and that it contains <a rel=\"me\" href=\"%s\">Mastodon</a> (or <link rel=\"me\" href=\"%s\"> in its <head>); then save the Mastodon profile again."
	fixRelMe           = "Add <a rel=\"me\" href=\"%s\">Mastodon</a> to the page %s (or <link rel=\"me\" href=\"%s\"> in its <head>), with exactly that address; then save the Mastodon profile again so that it checks."
	fixRelMeHTTPS      = "Add <a rel=\"me\" href=\"%s\">Mastodon</a> to the page %s (or <link rel=\"me\" href=\"%s\"> in its <head>), with exactly that address, and write the field as https://: Mastodon checks only https:// addresses; then save the profile again."
	msgDomainHandle    = "The Bluesky handle is %s, not the brand's domain %s: a domain handle shows that the account is the brand's."
	msgDomainOther     = "The Bluesky handle is %s, not the brand's domain %s: a domain handle shows that the account is the brand's. The domain names another account, %s."
	msgDomainUnknown   = "The Bluesky handle is %s, not the brand's domain %s: a domain handle shows that the account is the brand's. Its set-up could not be checked (%s)."
	msgDomainReady     = "The domain %s already names the Bluesky account %s (%s), but the account still uses the handle %s."
	fixDomainSwitch    = "In Bluesky open Settings → Account → Handle → \"I have my own domain\" and enter %s: the domain is already set up."
	fixDomainSetUp     = "To use @%s as the handle, add a DNS TXT record named _atproto.%s with the value did=%s (or serve the text %s at https://%s/.well-known/atproto-did); then in Bluesky open Settings → Account → Handle → \"I have my own domain\" and enter %s."
	fixDomainReplace   = "Replace the domain's Bluesky record with this account's: add a DNS TXT record named _atproto.%s with the value did=%s (or serve the text %s at https://%s/.well-known/atproto-did); then in Bluesky open Settings → Account → Handle → \"I have my own domain\" and enter %s."
	msgHandles         = "The handles differ across networks: %s."
	fixHandles         = "Use the same name on every network where it is free, so that people who know one find the others."
)

// Messages are every Format and FixFormat a Finding may carry, for
// translation catalogues.
var Messages = []string{
	msgNotFound, fixNotFound, msgUnreadable, fixAgainLater,
	msgNameMissing, msgNameMismatch, fixNameBrand, fixNameSet, fixNameShort,
	msgBioMissing, fixBioWrite, fixBioCopy, msgBioTooLong, fixBioShorten,
	msgHeaderMissing, fixHeaderAdd,
	msgLinkMissing, fixLinkField, fixLinkFieldsFull, fixLinkBluesky, fixLinkBlueskyLong,
	msgLogoUnreadable, fixLogoFormat, msgAvatarMissing, fixAvatarUpload, fixAvatarPortavoce,
	msgAvatarUnread, msgAvatarNotLogo, fixAvatarReplace, fixAvatarReplaceP, msgAvatarDiffers, fixAvatarSame,
	msgUnverified, fixResave, fixResaveHTTPS, fixPageUnreachable, fixRelMe, fixRelMeHTTPS,
	msgDomainHandle, msgDomainOther, msgDomainUnknown, msgDomainReady, fixDomainSwitch, fixDomainSetUp, fixDomainReplace,
	msgHandles, fixHandles,
}
