"""More labelled sparring requests, written only as training data for the model in handlers/sparring/classify_model.py.

They were written in the second round from how project managers word each area, many of them without the
area's keywords (the model is what helps there), and not as rewrites of any other labelled request. They
are tuned and trained on, so no figure measured on them says how the classifier does on new text.

Each case is ``(text, expected_area_key)``.
"""

from __future__ import annotations

from tests.unit.classification_cases import Case

TRAINING_CASES: tuple[Case, ...] = (
    # pid
    ("Hvad skal med i beskrivelsen af projektet inden vi går i gang?", "pid"),
    ("hvordan formulerer jeg formålet så alle forstår hvorfor vi laver projektet", "pid"),
    ("Vi skal beslutte hvad der er inden for og uden for rammerne af opgaven", "pid"),
    ("jeg mangler en god måde at beskrive leverancerne og forudsætningerne i starten", "pid"),
    ("how do I write down what the project is for and what it will deliver?", "pid"),
    ("opstarten af projektet er rodet, hvad skal vi have på plads først?", "pid"),
    ("Hvordan gør jeg målene målbare inden opstartsmødet?", "pid"),
    ("what belongs in the project definition before we start?", "pid"),
    # steering-group
    ("mødet med styregruppen ender altid uden at de tager stilling", "steering-group"),
    ("Hvordan laver jeg en god indstilling til mødet, så de kan sige ja eller nej?", "steering-group"),
    ("formanden vil have alle detaljer med, hvordan holder jeg materialet kort?", "steering-group"),
    ("Who should sit on the board for a cross-department project?", "steering-group"),
    ("Hvornår skal jeg gå til styregruppen og hvornår klarer jeg det selv?", "steering-group"),
    ("our sponsor never shows up for the monthly meeting", "steering-group"),
    ("hvordan rapporterer jeg status til dem der skal godkende næste fase?", "steering-group"),
    ("medlemmerne af styregruppen er ikke enige om prioriteringen", "steering-group"),
    # test
    ("hvem skal sidde og afprøve systemet før vi går i luften?", "test"),
    ("vi finder hele tiden nye fejl, hvornår er vi klar til idriftsættelse?", "test"),
    ("How many rounds of user testing should we plan for the new app?", "test"),
    ("brugerne skal godkende løsningen, hvordan tilrettelægger jeg det?", "test"),
    ("leverandøren siger systemet virker, men vi har ikke selv prøvet det af", "test"),
    ("hvordan registrerer vi fejlene og hvem prioriterer dem?", "test"),
    ("what should be in the acceptance criteria for the release?", "test"),
    ("Vi mangler data at teste med uden at bruge rigtige personoplysninger", "test"),
    # customer
    ("kunden forventer mere end der står i aftalen, hvad gør jeg?", "customer"),
    ("Hvordan håndterer jeg en bestiller der ringer hver dag og vil have ændringer?", "customer"),
    ("the supplier delivers late and blames us, how do I handle them?", "customer"),
    ("Vores leverandør overholder ikke kontrakten, hvordan tager jeg den snak?", "customer"),
    ("kunden er utilfreds med leverancen og vil ikke betale", "customer"),
    ("hvordan afstemmer jeg forventninger med kunden inden vi går i gang?", "customer"),
    ("the client asks for extra features every week", "customer"),
    ("relationen til kunden er kørt fast efter sidste møde", "customer"),
    # planning
    ("vi når ikke at blive færdige til sommerferien, hvad gør jeg?", "planning"),
    ("Hvordan fordeler jeg folk på opgaverne når alle er på flere projekter?", "planning"),
    ("hvor lang tid tager det typisk at udrulle et nyt system til 20 kommuner?", "planning"),
    ("vi er bagud i forhold til planen, hvordan indhenter vi det?", "planning"),
    ("How do I plan the work when half the team is on holiday in July?", "planning"),
    ("hvordan deler jeg arbejdet op i faser og leverancer med datoer?", "planning"),
    ("Hvornår skal vi senest starte for at blive færdige til årsskiftet?", "planning"),
    ("we keep missing our dates, how do we get back on track?", "planning"),
    # benefits
    ("hvordan viser vi at projektet har gjort en forskel for borgerne?", "benefits"),
    ("Hvad får organisationen ud af projektet når det er afsluttet?", "benefits"),
    ("hvordan måler vi om medarbejderne bliver mere tilfredse med det nye system?", "benefits"),
    ("How do we track whether the new process actually saves time?", "benefits"),
    ("hvem har ansvaret for at gevinsterne bliver hentet efter projektet?", "benefits"),
    ("vi skal dokumentere udbyttet af investeringen over for politikerne", "benefits"),
    ("what are the measurable results we should report after go-live?", "benefits"),
    ("Hvordan måler vi før og efter, så vi kan se forbedringen?", "benefits"),
    # budget
    ("hvordan holder jeg øje med hvor mange penge vi har brugt?", "budget"),
    ("Konsulenterne koster mere end vi regnede med", "budget"),
    ("hvad gør jeg når vi mangler midler til sidste fase?", "budget"),
    ("how do I track hours and costs across three teams?", "budget"),
    ("Vi skal spare 200.000 kr, hvor skærer vi?", "budget"),
    ("hvordan prissætter jeg de interne timer i projektet?", "budget"),
    ("the licences turned out to be twice as expensive, what now?", "budget"),
    ("Hvordan afregner vi med de tre leverandører hver måned?", "budget"),
    # risk
    ("hvad hvis den eneste udvikler der kender systemet bliver syg?", "risk"),
    ("Hvordan forbereder vi os på at leverandøren ikke når det?", "risk"),
    ("hvad kan gå galt ved overgangen til det nye system?", "risk"),
    ("What is our backup if the data migration fails?", "risk"),
    ("lovgivningen er ikke på plads endnu, og det kan vælte hele projektet", "risk"),
    ("vi er meget sårbare hvis én person forlader teamet", "risk"),
    ("hvordan vurderer jeg hvor slemt det bliver hvis serveren ikke er klar?", "risk"),
    ("what should we prepare in case the vendor goes out of business?", "risk"),
    # stakeholders
    ("medarbejderne er sure over at blive tvunget over i det nye system", "stakeholders"),
    ("Hvordan får jeg afdelingslederne til at tage ansvar for ændringen?", "stakeholders"),
    ("hvem skal vi tale med før vi ændrer arbejdsgangene i afdelingen?", "stakeholders"),
    ("the users feel nobody listens to them, how do I get them on board?", "stakeholders"),
    ("hvordan fortæller jeg personalet om omlægningen uden at skabe uro?", "stakeholders"),
    ("nogle af lederne modarbejder projektet i det skjulte", "stakeholders"),
    ("hvordan holder vi borgerne og de lokale politikere orienteret?", "stakeholders"),
    ("how do I deal with a department head who ignores the project?", "stakeholders"),
    # method
    ("hvilken projektmodel passer til et lille projekt med tre personer?", "method"),
    ("Skal vi arbejde agilt eller med faser og beslutningspunkter?", "method"),
    ("hvordan laver vi en god evaluering når projektet lukker?", "method"),
    ("is there a standard way we document decisions in our projects?", "method"),
    ("hvilke dokumenter kræver vores projektmodel i hver fase?", "method"),
    ("Hvordan kommer jeg i gang med at bruge Half Double i vores afdeling?", "method"),
    ("what tool do other teams use to keep track of tasks?", "method"),
    ("hvordan afslutter jeg et projekt ordentligt efter bogen?", "method"),
)
