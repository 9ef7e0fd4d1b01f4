package siteaudit

import "strings"

// organizationTypes are schema.org Organization and its subtypes that are
// not places customers visit.
var organizationTypes = setOf(`Organization Airline Consortium Cooperative Corporation
	EducationalOrganization CollegeOrUniversity ElementarySchool HighSchool MiddleSchool Preschool School
	FundingScheme GovernmentOrganization LibrarySystem MedicalOrganization DiagnosticLab VeterinaryCare
	NGO NewsMediaOrganization OnlineBusiness OnlineStore PerformingGroup DanceGroup MusicGroup TheaterGroup
	PoliticalParty Project FundingAgency ResearchProject ResearchOrganization SearchRescueOrganization
	SportsOrganization SportsTeam WorkersUnion`)

// localBusinessTypes are schema.org LocalBusiness and its subtypes: a
// business with premises, which Google shows in Maps and local results.
var localBusinessTypes = setOf(`LocalBusiness AnimalShelter ArchiveOrganization
	AutomotiveBusiness AutoBodyShop AutoDealer AutoPartsStore AutoRental AutoRepair AutoWash GasStation
	MotorcycleDealer MotorcycleRepair ChildCare Dentist DryCleaningOrLaundry
	EmergencyService FireStation Hospital PoliceStation EmploymentAgency
	EntertainmentBusiness AdultEntertainment AmusementPark ArtGallery Casino ComedyClub MovieTheater NightClub
	FinancialService AccountingService AutomatedTeller BankOrCreditUnion InsuranceAgency
	FoodEstablishment Bakery BarOrPub Brewery CafeOrCoffeeShop Distillery FastFoodRestaurant IceCreamShop
	Restaurant Winery GovernmentOffice PostOffice
	HealthAndBeautyBusiness BeautySalon DaySpa HairSalon HealthClub NailSalon TattooParlor
	HomeAndConstructionBusiness Electrician GeneralContractor HVACBusiness HousePainter Locksmith
	MovingCompany Plumber RoofingContractor InternetCafe LegalService Attorney Notary Library
	LodgingBusiness BedAndBreakfast Campground Hostel Hotel Motel Resort SkiResort VacationRental
	MedicalBusiness CommunityHealth Dermatology DietNutrition Emergency Geriatric Gynecologic MedicalClinic
	Midwifery Nursing Obstetric Oncologic Optician Optometric Otolaryngologic Pediatric Pharmacy Physician
	Physiotherapy PlasticSurgery Podiatric PrimaryCare Psychiatric PublicHealth
	ProfessionalService RadioStation RealEstateAgent RecyclingCenter SelfStorage ShoppingCenter
	SportsActivityLocation BowlingAlley ExerciseGym GolfCourse PublicSwimmingPool SportsClub StadiumOrArena
	TennisComplex Store BikeStore BookStore ClothingStore ComputerStore ConvenienceStore DepartmentStore
	ElectronicsStore Florist FurnitureStore GardenStore GroceryStore HardwareStore HobbyShop HomeGoodsStore
	JewelryStore LiquorStore MensClothingStore MobilePhoneStore MovieRentalStore MusicStore
	OfficeEquipmentStore OutletStore PawnShop PetStore ShoeStore SportingGoodsStore TireShop ToyStore
	WholesaleStore TelevisionStation TouristInformationCenter TravelAgency`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// schemaType reduces a type as written ("Organization",
// "schema:Organization", "https://schema.org/Organization") to its name.
func schemaType(t string) string {
	t = strings.TrimSpace(t)
	if i := strings.LastIndexAny(t, "/:#"); i >= 0 {
		t = t[i+1:]
	}
	return t
}
