"""Word lists that names, titles and places are made up from; none comes from the sample."""

FIRST_F = ("Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Abigail", "Emily", "Madison",
           "Chloe", "Ella", "Avery", "Lily", "Layla", "Riley", "Zoe", "Nora", "Hannah", "Aubrey",
           "Addison", "Natalie", "Leah", "Savannah", "Brooklyn", "Stella", "Claire", "Lucy",
           "Paisley", "Skylar", "Violet", "Aurora", "Hazel", "Kinsley", "Naomi", "Elena",
           "Sadie", "Ruby", "Alexa", "Autumn", "Piper", "Jasmine", "Kaitlyn", "Morgan", "Jade")
FIRST_M = ("Liam", "Noah", "Mason", "Ethan", "Logan", "Lucas", "Jackson", "Aiden", "Oliver",
           "Jacob", "Elijah", "Carter", "Owen", "Wyatt", "Caleb", "Ryan", "Nathan", "Isaac",
           "Hunter", "Dylan", "Connor", "Gavin", "Evan", "Adrian", "Jordan", "Tyler", "Austin",
           "Cole", "Miles", "Jaxon", "Colin", "Blake", "Derek", "Tristan", "Marcus", "Bryce")
LAST = ("Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Moore", "Jackson", "Martin",
        "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
        "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill",
        "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
        "Carter", "Roberts", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards",
        "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed",
        "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson")
# US metro areas as the app's logs name them ("Principal City-Other Cities, ST[-ST]"), the
# biggest first: users are drawn towards the top of the list.
METROS = (
    "New York-Newark-Jersey City, NY-NJ-PA", "Los Angeles-Long Beach-Anaheim, CA",
    "Chicago-Naperville-Elgin, IL-IN-WI", "Dallas-Fort Worth-Arlington, TX",
    "Houston-The Woodlands-Sugar Land, TX", "Washington-Arlington-Alexandria, DC-VA-MD-WV",
    "Miami-Fort Lauderdale-West Palm Beach, FL", "Philadelphia-Camden-Wilmington, PA-NJ-DE-MD",
    "Atlanta-Sandy Springs-Roswell, GA", "Boston-Cambridge-Newton, MA-NH",
    "Phoenix-Mesa-Scottsdale, AZ", "San Francisco-Oakland-Hayward, CA",
    "Riverside-San Bernardino-Ontario, CA", "Detroit-Warren-Dearborn, MI",
    "Seattle-Tacoma-Bellevue, WA", "Minneapolis-St. Paul-Bloomington, MN-WI",
    "San Diego-Carlsbad, CA", "Tampa-St. Petersburg-Clearwater, FL", "Denver-Aurora-Lakewood, CO",
    "St. Louis, MO-IL", "Baltimore-Columbia-Towson, MD", "Charlotte-Concord-Gastonia, NC-SC",
    "Orlando-Kissimmee-Sanford, FL", "San Antonio-New Braunfels, TX",
    "Portland-Vancouver-Hillsboro, OR-WA", "Pittsburgh, PA",
    "Sacramento--Roseville--Arden-Arcade, CA", "Las Vegas-Henderson-Paradise, NV",
    "Cincinnati, OH-KY-IN", "Kansas City, MO-KS", "Columbus, OH",
    "Indianapolis-Carmel-Anderson, IN", "Cleveland-Elyria, OH",
    "San Jose-Sunnyvale-Santa Clara, CA",
    "Nashville-Davidson--Murfreesboro--Franklin, TN", "Austin-Round Rock, TX",
    "Milwaukee-Waukesha-West Allis, WI", "Salt Lake City, UT", "Raleigh, NC",
    "New Orleans-Metairie, LA", "Birmingham-Hoover, AL", "Richmond, VA",
    "Louisville/Jefferson County, KY-IN", "Tucson, AZ", "Tulsa, OK", "Albany-Schenectady-Troy, NY",
    "Lansing-East Lansing, MI", "Portland-South Portland, ME", "Eugene, OR", "Columbia, SC",
    "Winston-Salem, NC", "Waterloo-Cedar Falls, IA", "Lake Havasu City-Kingman, AZ",
    "Santa Rosa, CA", "Lubbock, TX", "Ogden-Clearfield, UT", "Janesville-Beloit, WI",
    "La Crosse-Onalaska, WI-MN", "Myrtle Beach-Conway-North Myrtle Beach, SC-NC",
    "Harrisburg-Carlisle, PA", "Yuba City, CA", "Klamath Falls, OR", "Elkhart-Goshen, IN",
)
# Browsers of the time; WebKit-based ones arrive wrapped in double quotes, as in the app's logs.
AGENTS = (
    ('"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/36.0.1985.143 Safari/537.36"'),
    ('"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/36.0.1985.143 Safari/537.36"'),
    ('"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.78.2 (KHTML, like Gecko) '
    'Version/7.0.6 Safari/537.78.2"'),
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
    ('"Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/36.0.1985.125 Safari/537.36"'),
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    ('"Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 '
    '(KHTML, like Gecko) Version/7.0 Mobile/11D257 Safari/9537.53"'),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0",
    ('"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/37.0.2062.94 Safari/537.36"'),
    ('"Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/36.0.1985.143 Safari/537.36"'),
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; WOW64; Trident/6.0)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0",
    ('"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_0) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/37.0.2062.94 Safari/537.36"'),
    ('"Mozilla/5.0 (iPad; CPU OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) '
    'Version/7.0 Mobile/11D257 Safari/9537.53"'),
    "Mozilla/5.0 (Windows NT 5.1; rv:31.0) Gecko/20100101 Firefox/31.0",
    ('"Mozilla/5.0 (Windows NT 6.2; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/36.0.1985.125 Safari/537.36"'),
)
# Where artists come from; a third of them has no coordinates, a third no place at all.
PLACES = (
    ("Nashville, TN", 36.16778, -86.77836), ("New York, NY", 40.71455, -74.00712),
    ("Los Angeles, CA", 34.05349, -118.24532), ("London, England", 51.50632, -0.12714),
    ("Chicago, IL", 41.88415, -87.63241), ("Detroit, MI", 42.33168, -83.04792),
    ("Austin, TX", 30.26759, -97.74299), ("Seattle, WA", 47.60356, -122.32944),
    ("Atlanta, GA", 33.74831, -84.39111), ("Paris, France", 48.85693, 2.3412),
    ("Kingston, Jamaica", 17.99702, -76.79358), ("Berlin, Germany", 52.51607, 13.37698),
    ("Stockholm, Sweden", 59.33217, 18.06243), ("Toronto, Ontario, Canada", 43.64856, -79.38533),
    ("Sydney, Australia", -33.86963, 151.20695), ("Memphis, TN", 35.14968, -90.04892),
    ("New Orleans, LA", 29.95369, -90.07771), ("Manchester, England", 53.47962, -2.24881),
    ("Reykjavik, Iceland", 64.13548, -21.89541), ("Rio de Janeiro, Brazil", -22.97673, -43.19508),
    ("S\u00e3o Paulo, Brazil", -23.56287, -46.65468),
    ("Montr\u00e9al, Qu\u00e9bec", 45.51228, -73.55439),
    ("Oakland, CA", 37.80506, -122.27302), ("Minneapolis, MN", 44.97903, -93.26493),
)
PLACES_NO_COORDS = ("California - LA", "Texas", "Brooklyn, NY", "Florida", "UK", "Ohio",
                    "Bronx, NY", "Oregon", "Ireland", "Bay Area, CA", "Pennsylvania", "Jamaica")
ADJ = ("Broken", "Golden", "Electric", "Silent", "Lonely", "Wild", "Crazy", "Sweet", "Blue",
       "Dark", "Burning", "Endless", "Hollow", "Velvet", "Neon", "Lost", "Little", "Secret",
       "Bitter", "Frozen", "Brave", "Restless", "Stranger", "Distant", "Fading", "Shining",
       "Heavy", "Painted", "Sleepless", "Wicked", "Gentle", "Savage", "Faded", "Crystal",
       "Holy", "Wasted", "Purple", "Silver", "Tender", "Hungry", "Dangerous", "Perfect")
NOUN = ("Heart", "Night", "Dream", "Fire", "River", "Road", "Summer", "Rain", "Star", "Angel",
        "Ghost", "Train", "Ocean", "Mirror", "Highway", "Shadow", "Garden", "Thunder", "Moon",
        "City", "Kiss", "Soul", "Memory", "Window", "Diamond", "Desert", "Storm", "Radio",
        "Paradise", "Heaven", "Stranger", "Island", "Morning", "Circus", "Wolf", "Lover",
        "Machine", "Echo", "Satellite", "Horizon", "Ballroom", "Caf\u00e9", "Fiesta", "Ni\u00f1a")
VERB = ("Hold", "Take", "Leave", "Save", "Call", "Kiss", "Love", "Tell", "Show", "Drive",
        "Follow", "Wake", "Catch", "Bring", "Forget", "Find", "Chase", "Trust", "Need", "Miss")
OBJ = ("Me", "You", "Us", "Her", "Him", "It", "Them")
ADV = ("Tonight", "Again", "Forever", "Slowly", "Home", "Away", "Now", "Down", "Back", "Closer")
BAND_WORDS = ("Kings", "Foxes", "Arrows", "Pilots", "Giants", "Wolves", "Lions", "Sparrows",
              "Tigers", "Ravens", "Rebels", "Saints", "Monks", "Ramblers", "Drifters", "Riders",
              "Twins", "Bandits", "Strangers", "Horses", "Hearts", "Sirens", "Echoes", "Seekers")
ACCENTED = ("Bj\u00f6rn", "Jos\u00e9", "Ren\u00e9e", "Zo\u00eb", "Andr\u00e9", "Ra\u00fal",
            "Fran\u00e7ois", "S\u00f8ren", "M\u00fcller", "Ni\u00f1o", "Le\u00f3n", "Chlo\u00e9")

