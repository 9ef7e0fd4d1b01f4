// Package e2e holds Portavoce's acceptance tests: the real server, started
// in-process as `portavoce serve`, driven through headless Chromium the way a
// person uses it. The tests need Debian's chromium package at
// /usr/bin/chromium; without it they skip, and under CI=true they fail.
// Set PORTAVOCE_SCREENSHOTS to a folder to keep PNG screenshots of the key
// pages for a person to look at.
package e2e
