package demo

import "time"

// ---- The world: properties, doors, people ----

// property is a place with one or more doors and its own stream of guests.
type property struct {
	name    string
	zone    string
	loc     *time.Location
	doors   []*door
	stays   []*stay
	cleaner *stay // a permanent access
	checkIn int   // hour of check-in, local
}

// door is one simulated lock.
type door struct {
	id      int64
	device  string
	name    string
	prop    *property
	offline []span    // spells in the history when it was offline
	downAt  time.Time // offline since, now; zero: online
}

type span struct{ from, to time.Time }

func (s span) has(t time.Time) bool { return !t.Before(s.from) && t.Before(s.to) }

// stay is one access: a guest's stay, or a permanent code when start is zero.
type stay struct {
	prop       *property
	guestID    int64
	name       string
	start, end time.Time
	created    time.Time
	accessID   int64
	codes      map[int64]int64 // lock id → code id
	token      string
	link       linkPlan
	cancelled  time.Time // revoked before it began
	leftEarly  time.Time // revoked during the stay
	noShow     bool      // revealed the code, never came
	arrive     time.Time // first unlock; zero: never
	leave      time.Time // when the guest left
}

// linkPlan is how far the guest got with the share link.
type linkPlan int

const (
	linkSent linkPlan = iota
	linkOpened
	linkRevealed
)

func (s *stay) permanent() bool { return s.start.IsZero() }

// occupied reports whether the guest is there at t.
func (s *stay) occupied(t time.Time) bool {
	return !s.arrive.IsZero() && !t.Before(s.arrive) && t.Before(s.leave)
}

// properties are the places doors are made for, in order.
var properties = []struct {
	name, zone string
	doors      []string
	checkIn    int
}{
	{"Lisbon loft", "Europe/Lisbon", []string{"Front door", "Building gate"}, 15},
	{"Lake cabin", "America/New_York", []string{"Cabin door", "Garage"}, 16},
	{"Berlin flat", "Europe/Berlin", []string{"Flat door"}, 15},
	{"Brooklyn studio", "America/New_York", []string{"Studio door"}, 15},
	{"Kyoto machiya", "Asia/Tokyo", []string{"Entrance"}, 16},
	{"Cape Town villa", "Africa/Johannesburg", []string{"Main gate", "Villa door"}, 14},
	{"Sydney terrace", "Australia/Sydney", []string{"Front door"}, 15},
	{"Mexico City casa", "America/Mexico_City", []string{"Street door", "Roof terrace"}, 15},
}

// Anchors give each property a stay that makes the home page worth a look:
// days from today (in the property's zone) the stay begins, and its nights.
var anchors = []struct {
	offset, nights int
	link           linkPlan
}{
	{0, 3, linkRevealed},  // arrives today, code revealed
	{0, 2, linkOpened},    // arrives today, link opened only
	{-1, 3, linkRevealed}, // in since yesterday
	{-2, 4, linkRevealed}, // in, but leaves early today (see the offline door)
	{-3, 5, linkRevealed}, // in
	{0, 4, linkSent},      // arrives today, link not opened yet
	{1, 2, linkOpened},    // arrives tomorrow
	{-1, 2, linkRevealed},
}

var firstNames = []string{
	"Ana", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ines", "Jonas", "Kwame", "Lena", "Mateo",
	"Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomás", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë",
	"Aiko", "Bruno", "Carmen", "Diego", "Emma", "Felix", "Grace", "Hugo", "Isabel", "Jamal", "Kaito", "Laila", "Marco",
	"Nora", "Omar", "Paula", "Rafael", "Sofia", "Theo", "Valentina", "William", "Yara", "Amara", "Björn", "Camille",
	"Daniel", "Esther", "Fatima", "Giulia", "Henrik", "Ingrid", "Javier", "Kateryna", "Liam", "Maya", "Niko", "Olivia",
	"Pedro", "Rahul", "Sara", "Tariq", "Ulla", "Vera", "Wiktor", "Yuki", "Zara", "Alejandro", "Beatriz", "Chen",
	"Dalia", "Eero", "Francesca", "Gabriel", "Hiroshi", "Ilse", "Joana", "Kofi", "Lucía", "Mia", "Noah", "Orla",
}

var lastNames = []string{
	"Silva", "Okafor", "Müller", "Tanaka", "Kowalski", "Haddad", "Nguyen", "García", "Johansson", "Rossi", "Dubois",
	"Ivanova", "Mensah", "O'Brien", "Sato", "Fernandes", "Kim", "Novak", "Schmidt", "Costa", "Lindqvist", "Patel",
	"Moreau", "Yilmaz", "Andersen", "Bianchi", "Chowdhury", "Delgado", "Eriksen", "Fischer", "Gómez", "Hoffmann",
	"Ibrahim", "Jensen", "Kaur", "López", "Martins", "Nakamura", "Oliveira", "Popescu", "Quinn", "Ramos", "Santos",
	"Takahashi", "Ueda", "Vargas", "Weber", "Xu", "Yamamoto", "Zhang", "Abbott", "Brennan", "Castillo", "Duarte",
	"Engel", "Fontaine", "Green", "Horvat", "Ito", "Jovanović", "Keller", "Larsen", "Mahmoud", "Nowak", "Osei",
}

var notes = []string{
	"Booked via Airbnb", "Booked via Booking.com", "Booked directly", "Booked via Vrbo", "Returning guest",
	"Arrives by train", "Travelling with a dog", "Late check-in asked", "+44 7700 900123", "+1 555 0142",
	"guest@example.com", "Family of four", "Business trip", "",
}

var linkDevices = []string{"iPhone", "Android phone", "iPhone", "Mac", "Android phone", "Windows PC"}
