"""Demo material for the bathroom specialist the `demo` command seeds.

Pure data plus one picker; imports no Flask. The story the demo tells: the brand believes its
journey is strong everywhere (see each phase's ``hypothesis``), but delivery & installation
(``levering``) is where customers actually get hurt, so that phase carries far more negative
material than the others.

Texts are kept as one block per phase, one answer per line under a ``[tone locale]`` header,
so they read like the answers they imitate and are easy to edit.
"""

import random

BRAND_NAME = "Badkamerhuis Van Dijk"
BRAND_SLUG = "badkamerhuis-van-dijk"

TONES = ("positive", "neutral", "negative")
LOCALES = ("nl", "en")

# hypothesis = what the brand BELIEVES ("journey 1.0"): nps -100..100, csat mean on 1..5,
# conversion = fraction reaching the next phase. The last phase has no next phase, so no
# conversion. Levering is the most optimistic belief, and the demo data will contradict it.
PHASES: list[dict] = [
    {
        "key": "behoefte",
        "name": {"nl": "Behoefte", "en": "Need"},
        "position": 1,
        "hypothesis": {"nps": 35, "csat": 4.2, "conversion": 0.6},
    },
    {
        "key": "orientatie",
        "name": {"nl": "Oriëntatie", "en": "Orientation"},
        "position": 2,
        "hypothesis": {"nps": 45, "csat": 4.4, "conversion": 0.55},
    },
    {
        "key": "offerte",
        "name": {"nl": "Offerte", "en": "Quote"},
        "position": 3,
        "hypothesis": {"nps": 40, "csat": 4.2, "conversion": 0.5},
    },
    {
        "key": "aankoop",
        "name": {"nl": "Aankoop", "en": "Purchase"},
        "position": 4,
        "hypothesis": {"nps": 50, "csat": 4.5, "conversion": 0.95},
    },
    {
        "key": "levering",
        "name": {"nl": "Levering & montage", "en": "Delivery & installation"},
        "position": 5,
        "hypothesis": {"nps": 60, "csat": 4.6, "conversion": 0.97},
    },
    {
        "key": "gebruik",
        "name": {"nl": "Gebruik", "en": "Use"},
        "position": 6,
        "hypothesis": {"nps": 55, "csat": 4.5, "conversion": 0.7},
    },
    {
        "key": "evaluatie",
        "name": {"nl": "Evaluatie", "en": "Evaluation"},
        "position": 7,
        "hypothesis": {"nps": 50, "csat": 4.4},
    },
]

# One block per phase. "[tone locale]" starts a section; every other non-blank line is one answer.
_RAW_TEXTS = {
    "behoefte": """
[positive nl]
Via jullie site meteen een idee gekregen wat er allemaal kan in een kleine badkamer. Super handig!
Kon gewoon bellen met vragen over een inloopdouche voor mn moeder, heel geduldig uitgelegd
De inspiratiegids is echt mooi, hebben we thuis samen doorgebladerd 😊
Ik wist eigenlijk niet precies wat ik wilde maar na het eerste gesprek was het een stuk duidelijker
Goed meegedacht over een badkamer die over 20 jaar ook nog werkt, drempelloos enzo. Top
Snel antwoord op mijn mail, binnen een dag. Dat had ik eerlijk gezegd niet verwacht
Leuk dat jullie ook vragen hoe we de badkamer gebruiken en niet alleen naar het budget
De stijlquiz op de website was verrassend goed, kwam precies uit bij wat wij mooi vinden!
Onze oude badkamer lekte al jaren, eindelijk iemand die zegt: dit is prima op te lossen 👍
Vriendelijke medewerker aan de telefoon, nam echt de tijd voor ons.
Handig rekenvoorbeeld op de site, gaf meteen een idee van wat het ongeveer kost
Mijn buurvrouw raadde jullie aan en ik snap nu waarom. Prettige eerste indruk
Helder stappenplan op de site, dan weet je waar je aan begint
Fijn dat er tips zijn voor een badkamer met kleine kinderen, daar had ik zelf niet aan gedacht

[positive en]
Your website gave me loads of ideas for a small bathroom. Really helpful.
Called with questions about a walk-in shower for my mum and the lady on the phone was so patient
Nice that there's info in English, as an expat that makes a big difference!
Didn't really know what we wanted, but after the first chat it all made a lot more sense
Got a reply to my email within a day, which I honestly didn't expect
The style quiz was surprisingly spot on 😄
Loved the inspiration guide, we went through it together over coffee
Friendly, no pressure, just good advice. Great first impression
They actually asked how we use the bathroom, not just what our budget is. Appreciated that.
Clear step-by-step overview of how a renovation works, took away a lot of stress
Our old bathroom has been leaking for years, finally someone who made it sound doable 👍
A colleague recommended you and I can see why. Very helpful from the start
The budget calculator on the site gave us a realistic idea straight away
Good tips on making the bathroom future-proof, step-free shower and so on.

[neutral nl]
Heb ff rondgekeken op de site, nog geen echte keuze gemaakt.
Info was ok, maar ik mis prijzen bij de voorbeelden
Gewoon een brochure aangevraagd, die kwam na een week of zo
We twijfelen nog tussen een hele verbouwing of alleen nieuwe tegels
Prima eerste contact, verder niks bijzonders te melden
Beetje veel pagina's om door te klikken maar je vindt het wel
Weet nog niet of het dit jaar gaat lukken qua budget
Telefonisch kort gesproken, ik zou teruggebeld worden voor een afspraak
De voorbeelden zijn vooral grote badkamers, wij hebben 4m2
Ik oriënteer me nog bij meerdere bedrijven, dus nog geen mening
De nieuwsbrief krijg ik nu, soms handig soms niet
Redelijk duidelijk wat jullie doen, al is het verschil met een bouwmarkt me niet helemaal helder
Chat op de website werkte, antwoord was wel een beetje standaard
Hmm weet niet goed wat ik hier moet invullen. Ben nog maar net begonnen met kijken

[neutral en]
Just browsing for now, haven't decided anything yet.
Info was fine but I'd like to see prices next to the examples
Requested a brochure, it arrived about a week later
We're still torn between a full renovation or just retiling
First contact was ok, nothing special to report
Quite a lot of pages to click through but you get there eventually
Not sure yet if we can afford it this year
Spoke briefly on the phone, they'll call me back to book an appointment
Most of the examples are big bathrooms, ours is tiny
Comparing a few companies at the moment, so no strong opinion yet
The English version of the site is a bit limited but the basics are there
Reasonably clear what you do, though I'm not sure how you differ from a DIY store
Chat worked, the answer was a bit generic though
Only just started looking so hard to say really

[negative nl]
Drie keer gebeld voordat ik iemand aan de lijn kreeg. Niet echt uitnodigend
Brochure aangevraagd maar nooit ontvangen
Het contactformulier gaf een foutmelding, moest alles opnieuw typen 😤
Ik vroeg advies over een badkamer voor iemand in een rolstoel en kreeg alleen een folder terug
Veel mooie plaatjes maar geen enkele indicatie van wat het kost. Frustrerend
Werd teruggebeld op een moment dat ik al had gezegd dat het niet uitkwam
Voelde meteen als een verkoopgesprek terwijl ik alleen wat vragen had
Website is op mijn telefoon echt slecht te gebruiken, knoppen vallen over elkaar
Het beloofde terugbelverzoek is nooit gekomen.
Na het invullen van de badkamerscan werd ik overspoeld met mails. Niet prettig
De medewerker wist weinig van vloerverwarming, moest alles zelf uitzoeken
Mijn vraag via de chat bleef twee dagen liggen.
Jullie openingstijden zijn onhandig, als je werkt kun je nergens terecht
Zeer matig, had meer verwacht van een specialist

[negative en]
Had to call three times before anyone picked up
Requested a brochure, never got it
Contact form threw an error and I had to type everything again 😤
Asked for advice on a wheelchair accessible bathroom and just got a generic leaflet
Lots of pretty pictures but zero indication of cost. Frustrating.
Felt like a sales pitch when I only had a couple of questions
The site is really hard to use on my phone, buttons all over the place
Was promised a call back that never came
After doing the bathroom scan I got flooded with emails. Not great
Nobody could answer my questions in English, which was disappointing
My chat message sat there unanswered for two days.
Opening hours are awkward if you work full time
Pretty poor, expected more from a specialist
Guy on the phone didn't know much about underfloor heating, had to research it all myself
""",
    "orientatie": """
[positive nl]
Showroom is echt prachtig, je kunt alles aanraken en uitproberen
Adviseur nam ruim anderhalf uur de tijd voor ons, heel prettig
De 3D tekening maakte het voor mij pas echt duidelijk hoe het zou worden 😍
Fijn dat we tegelstalen mee naar huis mochten nemen
Eerlijk advies, ze raadden ons zelfs een goedkopere kraan aan
Kinderhoek in de showroom, dus we konden rustig rondkijken met de kids
Goed uitgelegd wat het verschil is tussen een inloopdouche en een douchecabine
Koffie, rust, geen haast. Zo hoort een showroombezoek te zijn
De configurator online werkt super, hebben er uren mee gespeeld haha
Veel keuze maar de adviseur hielp goed om het overzichtelijk te houden
Ze kwamen zelf met een slimme oplossing voor ons schuine dak. Top!
Heel deskundig over waterbesparende douchekoppen, precies wat ik zocht
Afspraak makkelijk online gepland en alles stond klaar toen we kwamen
Ik voelde me serieus genomen, ook met een klein budget

[positive en]
The showroom is gorgeous, you can actually touch and try everything
Our advisor spent a good hour and a half with us, really pleasant
The 3D drawing was what made it click for me 😍
Really handy that we could take tile samples home
Honest advice, they even suggested a cheaper tap
There's a kids' corner in the showroom so we could look around in peace
Explained the difference between a walk-in shower and an enclosure really well
Coffee, no rush, no pressure. That's how a showroom visit should be
Spent hours playing with the online configurator lol, works great
Loads of choice but the advisor helped us keep it manageable
They came up with a clever solution for our sloped ceiling. Brilliant!
Very knowledgeable about water-saving shower heads, exactly what I was after
Easy to book online and everything was ready when we arrived
The advisor switched to English without any fuss, made it so much easier

[neutral nl]
Showroom was ok, wel druk op zaterdag
Adviseur was aardig maar had weinig tijd
Veel keus, misschien wel iets te veel
3D ontwerp was handig, al klopten de maten niet helemaal
Parkeren bij de showroom is een beetje lastig
We zijn twee keer langs geweest voordat we een keuze hadden, was prima
Informatief bezoek. Nu nog vergelijken met een andere zaak
De configurator werkt, maar niet alle tegels staan erin
Prima advies, niet heel verrassend
Sommige modellen stonden niet in de showroom, alleen in de catalogus
Gemiddeld. Niks mis mee, niks bijzonders
Kregen een map met info mee, moet ik nog doorlezen
Duurde even voordat we geholpen werden maar daarna ging het goed
Ok bezoek, de prijzen van de kranen vielen wat hoog uit

[neutral en]
Showroom was ok, busy on a Saturday though
Advisor was nice but didn't have much time
So much choice, maybe a bit too much
The 3D design was useful although the measurements weren't quite right
Parking at the showroom is a bit of a pain
Needed two visits before we decided, which was fine
Informative visit. Still comparing with another place
The configurator works but not all the tiles are in it
Decent advice, nothing surprising
Some models were only in the catalogue, not on display
Average. Nothing wrong with it, nothing special either
Got a folder with info to take home, still need to read it
Took a while to get helped but it was fine after that
OK visit, the taps were a bit pricier than I expected

[negative nl]
Een half uur gewacht terwijl we gewoon een afspraak hadden
Adviseur probeerde ons steeds duurdere spullen aan te smeren
Het 3D ontwerp had de deur aan de verkeerde kant, niemand die het zag
Tegelstalen gevraagd, waren er niet. Moesten we later nog eens voor terugkomen 🙄
Showroom ziet er verouderd uit, de helft van de kranen werkte niet
Werden nauwelijks geholpen, iedereen was bezig
Configurator crasht steeds en je ontwerp wordt niet opgeslagen
Ik kreeg tegenstrijdige info van twee verschillende verkopers
Geen antwoord op mijn vraag of een regendouche werkt met onze cv-ketel. Slecht
Voelde me opgejaagd, het ging alleen maar over wanneer we konden tekenen
De adviseur was duidelijk niet voorbereid, had onze plattegrond niet eens bekeken
Afspraak zonder bericht verzet. Hele ochtend vrij genomen voor niks
Veel te weinig aandacht voor toegankelijkheid, terwijl ik dat als eerste had aangegeven
Rommelige showroom en ongeïnteresseerd personeel. Jammer

[negative en]
Waited half an hour even though we had an appointment
The advisor kept pushing more expensive stuff on us
3D design had the door on the wrong side and nobody noticed
Asked for tile samples, they didn't have them. Had to come back another day 🙄
Showroom looks dated and half the taps didn't work
Barely got any help, everyone was busy
The configurator keeps crashing and doesn't save your design
Got conflicting information from two different salespeople
No one could tell me if a rain shower would work with our boiler. Poor
Felt rushed, it was all about when we could sign
The advisor clearly hadn't even looked at our floor plan
Appointment moved without telling us. Took a morning off work for nothing
Hardly any attention to accessibility even though I mentioned it first
Messy showroom and staff who couldn't care less. Shame
""",
    "offerte": """
[positive nl]
Offerte binnen 3 dagen binnen, netjes per onderdeel uitgesplitst
Inmeter was punctueel en heel grondig, zag meteen dat de afvoer verlegd moest worden
Eindelijk een offerte zonder kleine lettertjes 👍
Duidelijke prijs inclusief sloopwerk en afvoer van het puin, geen verrassingen
Heel fijn dat de offerte online te bekijken en aan te passen was
De adviseur belde zelf om de offerte door te lopen, dat waardeer ik
Scherpe prijs voor de kwaliteit die je krijgt
Ze gaven twee opties, een luxe en een voordelige. Zo kun je goed kiezen
Alles wat we besproken hadden stond er ook echt in
Snelle aanpassing toen we toch een ander toilet wilden
Inmeten ging vlot en de man liet alles netjes achter
Prima uitleg over de garantie en wat er wel en niet onder valt
Transparant over de planning, dat gaf vertrouwen
Beter dan de twee andere offertes die we hadden, qua prijs én duidelijkheid

[positive en]
Got the quote within 3 days, neatly broken down per item
The surveyor was on time and really thorough, spotted straight away that the drain had to move
Finally a quote without any small print 👍
Clear price including demolition and waste removal, no surprises
Really nice that you could view and tweak the quote online
The advisor rang me to go through the quote, appreciated that
Competitive price for the quality you get
They gave us two options, a premium one and a budget one. Made choosing easy
Everything we'd discussed was actually in there
Quick update when we changed our minds about the toilet
Measuring went smoothly and he left everything tidy
Good explanation of the warranty and what is and isn't covered
Upfront about the schedule, which gave us confidence
Better than the other two quotes we had, both on price and clarity

[neutral nl]
Offerte was duidelijk, prijs aan de hoge kant
Het duurde ruim een week voor de offerte kwam, viel mee
Redelijk overzichtelijk, wel veel vaktermen
Inmeten ging prima, niets bijzonders
We hebben nog een paar vragen over de stelposten
Vergelijkbaar met andere offertes die we hebben
Offerte is ok maar het loodgieterswerk is niet helemaal duidelijk omschreven
Moesten één keer navragen wat 'bouwkundige voorzieningen' precies zijn
Prijs valt binnen wat we verwacht hadden
Pdf was prima leesbaar, de online versie werkte bij mij niet
Inmeter kwam iets later dan afgesproken maar belde wel even
Nog aan het twijfelen of we de vloerverwarming erbij nemen
Offerte klopt, alleen de levertijd van de tegels staat er niet in
Gewoon een nette offerte. Meer valt er niet over te zeggen

[neutral en]
Quote was clear, price on the high side
Took just over a week to get the quote, not too bad
Fairly clear, lots of jargon though
Measuring visit was fine, nothing to report
We still have a few questions about the provisional sums
Similar to the other quotes we got
Quote's ok but the plumbing work isn't described very clearly
Had to ask once what some of the line items meant
Price is within what we expected
The PDF was fine, the online version didn't load for me
Surveyor was a bit late but did call ahead
Still deciding whether to add underfloor heating
Quote is correct, just doesn't mention the delivery time for the tiles
A decent quote. Not much more to say really

[negative nl]
Drie weken moeten wachten op een offerte en pas na twee keer bellen
Er stonden dingen in de offerte die we helemaal niet besproken hadden
Stelposten van duizenden euro's, dan weet je dus nog niks
Inmeter kwam niet opdagen. Geen bericht, niks
Prijs was ineens 15% hoger dan wat in de showroom werd genoemd 😡
Offerte vol fouten, verkeerde tegelmaat en de radiator vergeten
Onduidelijk wat er wel en niet inbegrepen is, echt een doolhof
Na aanpassing van de offerte waren andere dingen ineens weg
Slopen en afvoer bleken er niet in te zitten. Dat had vooraf gezegd moeten worden
Veel te duur voor wat het is
Inmeter had haast en heeft de hoogte van het raam verkeerd gemeten
Offerte verliep na 14 dagen, voelde als druk zetten
Mijn vragen over de offerte werden pas na een week beantwoord
Geen uitsplitsing per onderdeel, alleen één totaalbedrag. Niet serieus

[negative en]
Waited three weeks for a quote, and only after calling twice
The quote had things in it we never discussed
Provisional sums of thousands of euros, so you still know nothing
Surveyor never showed up. No message, nothing
Price suddenly 15% higher than what they told us in the showroom 😡
Quote full of mistakes, wrong tile size and they forgot the radiator
No idea what's included and what isn't, it's a maze
After they updated the quote other things had gone missing
Turns out demolition and removal weren't included. Should have been told upfront
Way too expensive for what it is
Surveyor was in a hurry and measured the window height wrong
Quote expired after 14 days, felt like being pressured
My questions about the quote took a week to get answered
No breakdown at all, just one total. Not serious
""",
    "aankoop": """
[positive nl]
Digitaal tekenen ging in twee minuten, super makkelijk
Orderbevestiging kwam direct binnen met alle details
Fijn dat de aanbetaling maar 20% was
Meteen een installatiedatum gekregen, lekker duidelijk
Ze hebben de actiekorting alsnog toegepast, netjes!
Heldere uitleg over betalen in termijnen
Vriendelijk en zonder gedoe. Precies zoals het hoort
Kon de kleur van het kraanwerk na het tekenen nog wijzigen, geen probleem
Vast aanspreekpunt gekregen, scheelt een hoop gezoek
Bevestiging en planning in één mail, overzichtelijk
Betalen via iDEAL werkte gewoon, fijn
Goed geregeld, voelde betrouwbaar
Ze belden nog even om te checken of alles klopte voordat ze bestelden 👌
Alles ging sneller dan verwacht, top hoor

[positive en]
Signing online took two minutes, super easy
Order confirmation came straight away with all the details
Nice that the deposit was only 20%
Got an installation date right away, very clear
They still applied the promo discount, nice one!
Clear explanation of paying in instalments
Friendly and hassle-free. Exactly how it should be
Could still change the tap finish after signing, no problem at all
Got a dedicated contact person, saves a lot of hassle
Confirmation and schedule in one email, nice and clear
Paying by iDEAL just worked, great
Well organised, felt trustworthy
They called to double check everything before placing the order 👌
Everything moved faster than expected

[neutral nl]
Tekenen en betalen ging gewoon, niks op aan te merken
Orderbevestiging kwam na een paar dagen
Aanbetaling van 40% vind ik aan de hoge kant, maar ok
Installatiedatum volgt nog, zeiden ze
Standaard proces, niets bijzonders
De voorwaarden zijn vrij lang, heb ze eerlijk gezegd niet helemaal gelezen
Moest even zoeken waar ik digitaal kon tekenen
Prima, al had ik liever op factuur betaald
Alles is besteld, nu afwachten
Bevestiging klopte op één kleur voeg na, is aangepast
Ging zoals verwacht
De installatie is pas over een week of 8
Contact was zakelijk maar correct
Geen problemen tot nu toe

[neutral en]
Signing and paying went fine, nothing to complain about
Order confirmation took a couple of days
A 40% deposit is on the high side, but ok
They said the installation date will follow
Standard process, nothing special
The terms and conditions are long, didn't read all of it tbh
Took me a moment to find where to sign online
Fine, though I'd have preferred to pay by invoice
Everything's ordered, now we wait
Confirmation was right apart from the grout colour, they fixed that
Went as expected
Installation is still a long way off, about 8 weeks
Communication was businesslike but correct
No problems so far

[negative nl]
Na het tekenen hoorden we twee weken niks
Orderbevestiging had de verkeerde wastafel 🙄
Aanbetaling moest binnen 2 dagen, terwijl in de offerte 14 dagen stond
Installatiedatum was bij het tekenen ineens 4 weken later dan beloofd
Factuur klopte niet met de offerte, moest er zelf achteraan
Digitaal tekenen werkte niet, uiteindelijk alles uitprinten en inscannen
Niemand kon me vertellen wanneer de spullen geleverd zouden worden
Korting die mondeling was toegezegd stond er niet op
Drie verschillende mensen aan de lijn gehad, niemand wist van mijn order
Voelde me na het tekenen ineens een nummer
Bevestiging kwam in mijn spam, en er stond een ander adres in 😕
Betaalpagina gaf een fout en toen was er twee keer afgeschreven
Geen persoonlijk contact meer na de verkoop
Wijziging doorgegeven, is gewoon genegeerd

[negative en]
Heard nothing for two weeks after signing
The order confirmation had the wrong basin 🙄
Deposit had to be paid within 2 days while the quote said 14
Installation date suddenly 4 weeks later than promised when we signed
Invoice didn't match the quote and I had to chase it myself
Online signing didn't work, ended up printing and scanning everything
No one could tell me when the materials would be delivered
The discount I was promised verbally wasn't on there
Spoke to three different people, none of them knew about my order
After signing I suddenly felt like just a number
Confirmation email went to spam and had a different address on it 😕
Payment page errored and I was charged twice
No personal contact at all once the sale was done
Passed on a change and it was simply ignored
""",
    "levering": """
[positive nl]
Monteurs stonden om half acht op de stoep en werkten keihard door. Petje af
Alles netjes afgedekt, geen stofje in de rest van het huis
Levering precies op de afgesproken dag, alles compleet
Tegelzetter was een echte vakman, strakke voegen 👌
Elke dag even een appje over de voortgang, heel fijn
In 8 werkdagen een complete nieuwe badkamer. Knap werk
Ze hebben de oude badkamer helemaal afgevoerd en zelfs de gang gestofzuigd
Vriendelijke jongens, kwamen hun afspraken na
Kleine beschadiging aan een tegel zelf gemeld en de volgende dag vervangen
Loodgieter dacht mee over een extra stopcontact, top service
Aan het eind alles uitgelegd, hoe de thermostaatkraan en vloerverwarming werken
Strak opgeleverd en op tijd. Meer kun je niet vragen
Zeer nette en rustige monteurs, onze hond vond ze ook leuk 🐶

[positive en]
The fitters were on the doorstep at 7:30 and worked really hard. Hats off
Everything properly covered up, not a speck of dust in the rest of the house
Delivered exactly on the agreed day and nothing missing
The tiler was a real craftsman, lovely straight grout lines 👌
Got a quick message every day about progress, really nice
A complete new bathroom in 8 working days. Impressive
They took the old bathroom away and even hoovered the hallway
Friendly lads who did what they said they would
They flagged a chipped tile themselves and replaced it the next day
The plumber suggested an extra socket, great service
At the end they walked us through the thermostatic tap and underfloor heating
Finished neatly and on time. Can't ask for more
Very tidy and calm fitters, even our dog loved them 🐶

[neutral nl]
Levering was een dag later dan gepland, verder ging het goed
Monteurs deden hun werk, weinig contact
Duurde twee dagen langer dan gezegd, eindresultaat is wel ok
Een paar kleine puntjes moeten nog afgemaakt worden
Was wat stoffig in huis, maar dat hoort erbij denk ik
Begintijd wisselde elke dag, beetje lastig met werk
Planning werd één keer verschoven, wel op tijd gemeld
Kitwerk is ok, niet heel strak
De levering kwam in twee delen, uiteindelijk alles compleet
Gemiddeld. Niks heel goed, niks heel slecht
Radiator hangt iets anders dan op de tekening maar hij werkt
De monteurs spraken weinig Nederlands maar het werk werd gedaan
Oplevering ging snel, had wel wat meer uitleg gewild
Puin is pas een week later opgehaald, stond zolang in de voortuin

[neutral en]
Delivery was a day late, otherwise fine
Fitters did their job, not much communication
Took two days longer than planned, end result is ok though
A few small things still need finishing off
Quite dusty in the house but I guess that comes with it
Start time was different every day, a bit awkward with work
Schedule moved once, they did let us know in time
Sealant work is ok, not super neat
Delivery came in two parts, everything arrived in the end
Average. Nothing great, nothing terrible
Radiator is in a slightly different spot than on the drawing but it works
Handover was quick, would have liked a bit more explanation
Rubble was collected a week later, sat in the front garden till then
The fitters didn't speak much English but the job got done

[negative nl]
Monteurs kwamen 3 dagen te laat en niemand had ons gebeld. Hele week vrij genomen voor niks
Tegels kwamen gebroken aan, halve pallet onbruikbaar. Twee weken vertraging
Na een week lekte het al door het plafond van de woonkamer 😡😡
Lekkage bij de afvoer van de inloopdouche, waterschade in de hal. Nogsteeds niet opgelost
Ze zijn midden in de klus vertrokken omdat er onderdelen ontbraken
Verkeerde tegels geleverd en toch begonnen met zetten?!
Installateur belde om 9 uur af, zou 's middags komen, kwam helemaal niet
Drie weken zonder werkende douche gezeten. Met 2 kleine kids. Nooit meer
Kraan lekt, toilet zit los en de kitnaden zijn een drama
Beschadigde wastafel gemonteerd alsof er niks aan de hand was
Kregen te horen dat de planning vol zat en we maar moesten wachten. Geen excuses
Stof door het hele huis, niks afgedekt. Onze bank kan naar de stomerij
Vloerverwarming doet het niet. Monteur wijst naar de elektricien, die wijst terug
Tegels scheef gezet, voegen ongelijk. Dit noem je geen vakwerk
Na de montage een natte plek op de slaapkamermuur ernaast. Leiding geraakt bij het boren
Levering stond om 7:00 gepland, kwam om half vier. Zonder bericht
Douchedeur kwam gebarsten aan, nieuwe kon pas over 5 weken 🙄
Elke dag een andere monteur die niet wist wat de vorige had gedaan
Afvoer loopt niet goed door, er blijft steeds water staan in de douchebak
Ze hebben onze nieuwe vloer in de gang beschadigd met een steekwagen
Klantenservice nam niet op toen het water onder de deur door liep. Pas de volgende dag teruggebeld
Oplevering werd 4 keer verzet. Echt onacceptabel
Spiegelkast verkeerd opgehangen, het stopcontact zit nu achter de kast
Half werk afgeleverd, monteur zei 'de rest komt volgende week'. Dat was een maand geleden
Na vertrek lag er nog puin en verpakkingsmateriaal in de tuin
Lekkage na installatie, en bij de reparatie hebben ze nieuwe tegels kapot gemaakt
Geen afspraken nagekomen, geen communicatie. De hele verbouwing was een nachtmerrie
Tegellijm op de nieuwe kranen en het bad, niet schoongemaakt
Bad kwam met een deuk binnen, monteurs wilden het toch plaatsen
Monteurs stonden eerst bij de buren aan, planning had het verkeerde huisnummer doorgegeven

[negative en]
Fitters turned up 3 days late and nobody called us. Took a whole week off for nothing
Tiles arrived broken, half a pallet unusable. Two weeks delay
After a week it was leaking through the living room ceiling 😡😡
Leak at the drain of the walk-in shower, water damage in the hallway. Still not fixed
They left halfway through the job because parts were missing
Wrong tiles delivered and they started laying them anyway?!
Installer cancelled at 9, said he'd come in the afternoon, never showed up
Three weeks without a working shower. With two little kids. Never again
Tap drips, toilet is loose and the sealant is a disaster
Fitted a damaged basin as if nothing was wrong
Was told the schedule was full and we'd just have to wait. No apology
Dust everywhere, nothing covered up. Our sofa needs professional cleaning
Underfloor heating doesn't work. Fitter blames the electrician, electrician blames the fitter
Tiles laid crooked, uneven grout. That's not craftsmanship
Damp patch on the bedroom wall next door after installation. They drilled through a pipe
Delivery was booked for 7am, turned up at half three. No message
Shower door arrived cracked, replacement not for another 5 weeks 🙄
Different fitter every day and none of them knew what the last one had done
Drain doesn't empty properly, there's always water standing in the shower tray
They damaged our new hallway floor with a trolley
Customer service didn't pick up when water was coming under the door. Called back the next day
Handover was rescheduled 4 times. Unacceptable
Mirror cabinet hung in the wrong place, the socket is now behind it
Left the job half done, fitter said 'rest is next week'. That was a month ago
Rubble and packaging left in the garden after they'd gone
Leak after installation, and when they came to fix it they broke some of the new tiles
No appointments kept, no communication. The whole renovation was a nightmare
Tile adhesive all over the new taps and bath, never cleaned off
Bath arrived dented and the fitters wanted to install it anyway
They rang our neighbours' bell first, planning had given them the wrong house number
""",
    "gebruik": """
[positive nl]
Elke ochtend genieten onder de regendouche ☀️
Vloerverwarming is heerlijk, nooit meer koude voeten
De glazen wand blijft echt schoon met die coating, scheelt een hoop poetsen
Kinderen willen nu zelf in bad, dat is nog nooit gebeurd haha
Thermostaatkraan werkt perfect, altijd meteen de goede temperatuur
Inloopdouche is voor mijn moeder een uitkomst, ze kan weer zelfstandig douchen
Veel meer opbergruimte dan we hadden, alles heeft een plek
Hangtoilet maakt schoonmaken zoveel makkelijker
Na een half jaar nog steeds als nieuw
Die verlichting bij de spiegel is top, eindelijk goed licht om me te scheren
Gebruiken minder water sinds de nieuwe douchekop, merk je op de rekening
Het voelt als een hotelbadkamer. Zo blij mee!
Ventilatie werkt prima, geen beslagen spiegel meer
Mooie materialen, voelt degelijk aan

[positive en]
Loving the rain shower every single morning ☀️
Underfloor heating is bliss, no more cold feet
The glass panel really stays clean with that coating, much less scrubbing
The kids actually want to have a bath now, that's a first lol
Thermostatic tap works perfectly, right temperature straight away
The walk-in shower has been a godsend for my mum, she can shower on her own again
So much more storage than before, everything has its place
Wall-hung toilet makes cleaning so much easier
Six months on it still looks brand new
The mirror lighting is great, finally decent light for shaving
Using less water since the new shower head, you can see it on the bill
Feels like a hotel bathroom. So happy with it!
Extractor works well, no more steamed-up mirror
Lovely materials, feels really solid

[neutral nl]
Badkamer doet wat ie moet doen
Mooi, al is de douchegoot lastig schoon te houden
Went wel, de kraan zit wat hoog
Vloerverwarming wordt niet heel warm maar het is ok
Prima badkamer. Voegen worden al wel wat grauw
Had achteraf toch liever een donkerdere vloer gekozen, maar dat is mijn eigen keuze
Spiegelkast is wat klein voor ons gezin
Gebruiken het nu 2 maanden, tot nu toe geen problemen
Handdoekradiator duurt even voordat hij warm is
Ziet er goed uit, de afwerking rond het raam kan netter
Niks te klagen, niks bijzonders
Waterdruk bij de regendouche is wat minder dan in de showroom
Mooie badkamer maar het licht is een beetje fel
Het bad gebruiken we eigenlijk bijna nooit, de douche wel elke dag

[neutral en]
The bathroom does what it should
Looks nice, though the shower drain is hard to keep clean
Getting used to it, the tap is a bit high
Underfloor heating doesn't get very warm but it's ok
Good bathroom. Grout is already going a bit grey though
In hindsight I'd have chosen a darker floor, but that's on me
Mirror cabinet is a bit small for our family
Been using it for 2 months, no issues so far
Towel radiator takes a while to warm up
Looks good, finishing around the window could be neater
Nothing to complain about, nothing special
Water pressure on the rain shower is lower than in the showroom
Nice bathroom but the lighting is a bit harsh
We hardly ever use the bath to be honest, the shower every day

[negative nl]
Kitnaden worden al zwart na 3 maanden
Douche lekt bij de deur, er staat na elke douchebeurt een plas
Afvoer stinkt, ook nadat de monteur twee keer is langsgekomen
Vloerverwarming valt steeds uit, thermostaat geeft een foutcode
Haarscheur in de wastafel, kwam pas na een paar weken naar boven
Toiletbril was na een maand al kapot. Kwaliteit valt tegen
Tegels laten los bij de nis in de douche 😞
Spiegelverlichting knippert en niemand weet hoe het komt
Douchegoot loopt heel langzaam leeg, je staat in een laagje water
Kalkaanslag op de kraan na een paar weken, terwijl het anti-kalk zou zijn
Het ventilatierooster maakt een hoop herrie
Schimmel in de hoek boven het bad, binnen een half jaar
Waterdruk is belabberd sinds de verbouwing
Lade van het badmeubel is al uit de rails. Voor deze prijs verwacht je beter

[negative en]
Sealant is already going black after 3 months
Shower leaks at the door, there's a puddle after every shower
Drain smells, even after the fitter came back twice
Underfloor heating keeps cutting out, thermostat shows an error code
Hairline crack in the basin that only showed up after a few weeks
Toilet seat broke within a month. Quality is disappointing
Tiles coming loose around the shower niche 😞
Mirror lighting flickers and nobody knows why
Shower drain empties really slowly, you end up standing in water
Limescale on the tap after a few weeks, and it was supposed to be anti-limescale
The extractor fan is really noisy
Mould in the corner above the bath within six months
Water pressure has been terrible since the renovation
Vanity drawer already came off its runners. Expected better for this price
""",
    "evaluatie": """
[positive nl]
Al met al heel tevreden, zou jullie zeker aanraden
Nazorggesprek na 6 weken vond ik een mooi gebaar
Klein probleempje met de kraan werd onder garantie binnen een week opgelost
Van eerste bezoek tot oplevering goed geregeld. Dank jullie wel!
Onze vrienden gaan nu ook bij jullie kijken 😉
Goede prijs-kwaliteitverhouding en prettige mensen
Wat hobbeltjes onderweg, maar ze losten alles netjes op
Had niet verwacht dat een verbouwing zo soepel kon gaan
Vakwerk en goede service, 9/10
Fijn dat er na de oplevering nog iemand belde om te vragen of alles naar wens was
Echt een bedrijf dat luistert. Volgende keer het toilet beneden ook bij jullie
Garantieafhandeling zonder discussie, zo hoort het
Badkamer is geweldig geworden, zeer tevreden
Betrouwbaar bedrijf, wat ze zeggen doen ze ook

[positive en]
All in all very happy, would definitely recommend
The aftercare call after 6 weeks was a nice touch
Small issue with the tap was fixed under warranty within a week
Well organised from first visit to handover. Thank you!
Our friends are now going to have a look too 😉
Good value for money and lovely people
A few bumps along the way but they sorted everything out properly
Didn't think a renovation could go this smoothly
Quality work and great service, 9/10
Nice that someone rang after the handover to check we were happy
A company that actually listens. Doing the downstairs loo with you next
Warranty claim handled without any argument, as it should be
The bathroom turned out amazing, really pleased
Reliable company, they do what they say

[neutral nl]
Eindresultaat is mooi, het traject had soepeler gekund
Redelijk tevreden, wel wat gedoe gehad tijdens de montage
Zou jullie aanraden, maar wel met de tip om de planning goed te checken
Badkamer prima, communicatie kan beter
Gemengde gevoelens. Mooi product, rommelig proces
Nog een paar garantiepunten open, verder ok
Prijs was hoog maar de kwaliteit is idd ook goed
Voldoende. Niet meer, niet minder
De nazorg moet ik nog zien, er was een belletje na 6 weken beloofd
Tevreden over de showroom en de offerte, minder over de uitvoering
Alles is uiteindelijk goed gekomen, al duurde het lang
Weet niet of ik nog een keer voor jullie zou kiezen, misschien
Het resultaat telt, en dat is goed. Het proces was soms wat chaotisch
Een 7 zou ik zeggen

[neutral en]
End result is lovely, the process could have been smoother
Fairly satisfied, though we had some hassle during the installation
Would recommend, but check the schedule carefully
Bathroom's fine, communication could be better
Mixed feelings. Great product, messy process
Still a couple of warranty points open, otherwise ok
Price was high but so is the quality
Adequate. No more, no less
Yet to see the aftercare, they promised a call after 6 weeks
Happy with the showroom and the quote, less so with the installation
It all worked out in the end, though it took a while
Not sure I'd choose you again, maybe
The result is what counts and that's good. The process was a bit chaotic at times
I'd give it a 7

[negative nl]
Na drie mails over de lekkage nog steeds geen reactie
Garantie geldt ineens niet omdat wij het 'verkeerd gebruikt' zouden hebben. Belachelijk
Mooie praatjes in de showroom, daarna zoek je het zelf maar uit
Zou jullie niet aanraden, vooral vanwege de montage
Klacht ingediend over de beschadigde tegels, werd afgewimpeld
Het eindresultaat is ok maar ik heb er maanden stress van gehad
Nazorg? Nooit iets van gehoord
Duurder uitgevallen dan de offerte en niemand kan uitleggen waarom
Reparatie van de lekkage moesten we uiteindelijk zelf regelen en betalen
Beloftes niet nagekomen, van begin tot eind
Pas na een slechte review werd er gereageerd
Nooit meer. Echt niet.
Klantenservice verwijst steeds naar de monteur en andersom 😤
Voor dit geld verwacht je gewoon een badkamer zonder gebreken

[negative en]
Three emails about the leak and still no response
Warranty suddenly doesn't apply because we supposedly 'misused' it. Ridiculous
All smiles in the showroom, after that you're on your own
Wouldn't recommend, mainly because of the installation
Complained about the damaged tiles, got brushed off
End result is ok but it cost me months of stress
Aftercare? Never heard a thing
Ended up more expensive than the quote and nobody can explain why
We ended up arranging and paying for the leak repair ourselves
Promises broken from start to finish
Only got a response after we left a bad review
Never again. Seriously.
Customer service keeps pointing to the fitter and vice versa 😤
For this money you expect a bathroom without defects
""",
}


def _parse(phase_key: str, block: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {tone: {} for tone in TONES}
    current: list[str] | None = None
    for raw in block.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            tone, locale = line[1:-1].split()
            if tone not in TONES or locale not in LOCALES or locale in sections[tone]:
                raise ValueError(f"bad or repeated section {line} in {phase_key}")
            current = sections[tone][locale] = []
        elif current is None:
            raise ValueError(f"text before the first section in {phase_key}: {line!r}")
        else:
            current.append(line)
    return sections


TEXTS: dict[str, dict[str, dict[str, list[str]]]] = {
    key: _parse(key, block) for key, block in _RAW_TEXTS.items()
}

# Display names for reviews: first name + last initial, as review sites show them.
# fmt: off
NAMES: dict[str, list[str]] = {
    "nl": [
        "Anna B.", "Daan V.", "Sanne J.", "Lars K.", "Fleur M.", "Bram D.", "Eva S.", "Thijs H.",
        "Lotte P.", "Ruben W.", "Iris G.", "Jeroen T.", "Femke R.", "Sem L.", "Noor A.",
        "Bas O.", "Marloes N.", "Joost E.", "Esther F.", "Koen Z.", "Maaike C.", "Wouter B.",
        "Ingrid V.", "Henk S.", "Petra K.", "Gerrit M.", "Yvonne D.", "Kees H.", "Annelies W.",
        "Mohammed E.", "Fatima A.", "Dewi S.", "Priya R.", "Tim J.", "Lisa P.", "Niels G.",
        "Marieke T.", "Sophie L.", "Milan B.", "Ans R.",
    ],
    "en": [
        "James R.", "Charlotte M.", "Liam O.", "Grace T.", "Harry P.", "Amelia S.", "Noah C.",
        "Isla F.", "Jack D.", "Olivia H.", "Thomas G.", "Chloe B.", "George K.", "Emily N.",
        "Samuel J.", "Hannah L.", "Daniel W.", "Lucy A.", "Matthew E.", "Ella R.", "Ryan M.",
        "Megan P.", "Aiden O.", "Zoe C.", "Ethan B.", "Ava K.", "Lucas H.", "Mia S.", "Nathan F.",
        "Jessica T.", "Sean D.", "Priyanka N.", "Marco V.", "Elena R.", "Kenji S.", "Ana G.",
        "David L.", "Sarah P.", "Michael C.", "Rachel W.",
    ],
}
# fmt: on

# Per phase: the NPS question (0-10), the written follow-up, and a CSAT question (1-5). The
# demo brand says "u" (Brand.formal_address), so its own questions do too.
QUESTIONS: dict[str, dict[str, dict[str, str]]] = {
    "behoefte": {
        "nps": {
            "nl": f"Hoe waarschijnlijk is het dat u {BRAND_NAME} aanraadt, na uw eerste "
            "kennismaking met ons?",
            "en": f"Based on your first contact with us, how likely are you to recommend "
            f"{BRAND_NAME} to a friend?",
        },
        "text": {
            "nl": "Wat hielp u het meest, of wat miste u, bij het bepalen van uw wensen?",
            "en": "What helped you most, or what was missing, while working out what you need?",
        },
        "csat": {
            "nl": "Hoe tevreden bent u over de informatie die u van ons kreeg?",
            "en": "How satisfied are you with the information you got from us?",
        },
    },
    "orientatie": {
        "nps": {
            "nl": "Hoe waarschijnlijk is het dat u ons aanraadt na uw bezoek aan onze showroom "
            "of website?",
            "en": "After visiting our showroom or website, how likely are you to recommend us "
            "to a friend?",
        },
        "text": {
            "nl": "Wat kunnen we beter doen tijdens uw bezoek of in ons advies?",
            "en": "What could we improve about your visit or the advice you got?",
        },
        "csat": {
            "nl": "Hoe tevreden bent u over het advies dat u kreeg?",
            "en": "How satisfied are you with the advice you received?",
        },
    },
    "offerte": {
        "nps": {
            "nl": "Hoe waarschijnlijk is het dat u ons aanraadt op basis van het inmeten en de "
            "offerte?",
            "en": "Based on the measuring visit and the quote, how likely are you to recommend us?",
        },
        "text": {
            "nl": "Wat vond u van de offerte? Was alles duidelijk?",
            "en": "What did you think of the quote? Was everything clear?",
        },
        "csat": {
            "nl": "Hoe tevreden bent u over de duidelijkheid van de offerte?",
            "en": "How satisfied are you with how clear the quote was?",
        },
    },
    "aankoop": {
        "nps": {
            "nl": "Nu uw bestelling rond is: hoe waarschijnlijk is het dat u ons aanraadt?",
            "en": "Now that you've placed your order, how likely are you to recommend us?",
        },
        "text": {
            "nl": "Hoe ging het bestellen en betalen? Wat kan er makkelijker?",
            "en": "How did ordering and paying go? What could be easier?",
        },
        "csat": {
            "nl": "Hoe tevreden bent u over het bestelproces?",
            "en": "How satisfied are you with the ordering process?",
        },
    },
    "levering": {
        "nps": {
            "nl": "Hoe waarschijnlijk is het dat u ons aanraadt na de levering en montage?",
            "en": "After delivery and installation, how likely are you to recommend us?",
        },
        "text": {
            "nl": "Hoe verliepen de levering en de montage? Vertel het ons eerlijk.",
            "en": "How did delivery and installation go? Please be honest.",
        },
        "csat": {
            "nl": "Hoe tevreden bent u over de levering en montage?",
            "en": "How satisfied are you with the delivery and installation?",
        },
    },
    "gebruik": {
        "nps": {
            "nl": "Nu u een tijdje van uw nieuwe badkamer geniet: hoe waarschijnlijk is het "
            "dat u ons aanraadt?",
            "en": "Now that you've used your new bathroom for a while, how likely are you to "
            "recommend us?",
        },
        "text": {
            "nl": "Hoe bevalt uw badkamer in het dagelijks gebruik?",
            "en": "How is your bathroom holding up in everyday use?",
        },
        "csat": {
            "nl": "Hoe tevreden bent u over uw nieuwe badkamer?",
            "en": "How satisfied are you with your new bathroom?",
        },
    },
    "evaluatie": {
        "nps": {
            "nl": f"Alles bij elkaar: hoe waarschijnlijk is het dat u {BRAND_NAME} aanraadt "
            "aan vrienden of familie?",
            "en": f"All things considered, how likely are you to recommend {BRAND_NAME} to "
            "friends or family?",
        },
        "text": {
            "nl": "Wat is het belangrijkste dat we beter kunnen doen?",
            "en": "What is the one thing we should do better?",
        },
        "csat": {
            "nl": "Hoe tevreden bent u over het hele traject, van eerste idee tot nazorg?",
            "en": "How satisfied are you with the whole process, from first idea to aftercare?",
        },
    },
}


def pick_text(rng: random.Random, phase_key: str, tone: str, locale: str) -> str:
    """One demo answer for this phase, tone and locale, drawn with the caller's seeded rng."""
    if phase_key not in TEXTS:
        raise ValueError(f"unknown phase {phase_key!r}; expected one of {sorted(TEXTS)}")
    if tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}; expected one of {TONES}")
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; expected one of {LOCALES}")
    return rng.choice(TEXTS[phase_key][tone][locale])
