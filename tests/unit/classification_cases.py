"""Labelled sparring requests, written the way people type them in Slack and Teams.

Each case is ``(text, expected_area_key)``. The groups below are also used on their own by the tests
that name a hard case (compounds, definite forms, typos, æøå folding, mixed language, English);
``CASES`` is all of them together and is what the accuracy figure is measured on.
"""

from __future__ import annotations

from bot.slack import markup as slack_markup

Case = tuple[str, str]
AmbiguousCase = tuple[str, frozenset[str]]

DANISH_CASES: tuple[Case, ...] = (
    ("Jeg skal have hjælp til at skrive PID'en for vores nye CRM-projekt", "pid"),
    ("Hvad skal der stå om afgrænsning i et projektgrundlag?", "pid"),
    ("Kan nogen sparre med mig om business casen inden vi går i gang?", "pid"),
    ("Vi mangler et kommissorium – hvordan kommer vi i gang?", "pid"),
    ("Hvilke succeskriterier skal med i projektbeskrivelsen?", "pid"),
    ("Hvordan får jeg styregruppen til at træffe en beslutning?", "steering-group"),
    ("Vores projektejer dukker aldrig op til møderne", "steering-group"),
    ("Hvordan eskalerer jeg til styregruppen når leverandøren ikke leverer?", "steering-group"),
    ("Hvad skal et godt beslutningsoplæg indeholde?", "steering-group"),
    ("Hvordan skriver jeg en god testplan til UAT?", "test"),
    ("Vi har alt for mange fejl i accepttesten", "test"),
    ("Hvem skal godkende testcases før regressionstesten?", "test"),
    ("Kunden er utilfreds med leverancen, hvad gør jeg?", "customer"),
    ("Hvordan afstemmer jeg forventninger med kunden?", "customer"),
    ("Vi har fået en klage fra en kunde over forsinkelsen", "customer"),
    ("Tidsplanen holder ikke, milepælene skrider", "planning"),
    ("Hvordan laver jeg et realistisk estimat for udviklingsopgaverne?", "planning"),
    ("Kan jeg få sparring på ressourceplanen for næste kvartal?", "planning"),
    ("Hvordan laver vi et gevinstdiagram?", "benefits"),
    ("Hvem har ansvaret for gevinstrealiseringen når projektet er lukket?", "benefits"),
    ("Hvordan måler vi effekten af det nye system?", "benefits"),
    ("Budgettet er overskredet med 20 %", "budget"),
    ("Hvordan laver jeg en prognose for økonomien resten af året?", "budget"),
    ("Omkostningerne til konsulenter stiger, hvordan styrer jeg det?", "budget"),
    ("Hvordan holder jeg risikologgen opdateret?", "risk"),
    ("Vi har identificeret flere risici omkring integrationen", "risk"),
    ("Hvordan vurderer jeg sandsynlighed og konsekvens for en risiko?", "risk"),
    ("Hvordan laver jeg en interessentanalyse?", "stakeholders"),
    ("Der er stor modstand mod forandringen i afdelingen", "stakeholders"),
    ("Hvordan skal kommunikationsplanen se ud?", "stakeholders"),
    ("Hvor finder jeg skabelonerne til vores projektmodel?", "method"),
    ("Skal vi følge PRINCE2 eller vores egen metode?", "method"),
    ("Hvordan tilpasser vi projektmodellen til små projekter?", "method"),
    ("Findes der en tjekliste til opstart af et projekt?", "method"),
    ("Jeg har brug for en sparringspartner på hvordan vi håndterer kunden i den her fase", "customer"),
    ("Vores leverandør overholder ikke kontrakten", "customer"),
    ("Hvordan får vi ledelsen og medarbejderne inddraget tidligt?", "stakeholders"),
    ("Hvornår skal en risiko eskaleres, og hvordan beskriver man afbødning?", "risk"),
)

DEFINITE_FORM_CASES: tuple[Case, ...] = (
    ("Hvem ejer budgettet?", "budget"),
    ("Risikoen er at integrationen ikke bliver klar", "risk"),
    ("Planen er urealistisk", "planning"),
    ("Kunden vil ikke betale for ændringerne", "customer"),
    ("Styregruppen vil have en ny rapport hver uge", "steering-group"),
    ("Gevinsterne er svære at måle", "benefits"),
    ("Metoden passer ikke til vores projekter", "method"),
    ("Testen fejlede igen i går", "test"),
    ("Interessenterne føler sig ikke hørt", "stakeholders"),
    ("Budgetterne for de to delprojekter hænger ikke sammen", "budget"),
    ("Skabelonerne er forældede", "method"),
    ("Milepælen blev flyttet igen", "planning"),
)

COMPOUND_CASES: tuple[Case, ...] = (
    ("Hvordan forbereder jeg styregruppemødet på torsdag?", "steering-group"),
    ("Gevinstrealiseringen halter efter go-live", "benefits"),
    ("Testplanen mangler testdata", "test"),
    ("Risikologgen er ikke blevet opdateret i to måneder", "risk"),
    ("Projektgrundlaget skal godkendes i næste uge", "pid"),
    ("Hvordan håndterer jeg en budgetoverskridelse?", "budget"),
    ("Vi skal lave en kundetilfredshedsmåling", "customer"),
    ("Hvordan kører vi et godt interessentmøde?", "stakeholders"),
    ("Ressourceplanlægningen for Q3 er et mareridt", "planning"),
    ("Effektkæden fra output til gevinst er uklar", "benefits"),
    ("Styregruppeformanden vil ikke tage stilling", "steering-group"),
    ("Accepttestmiljøet er nede igen", "test"),
    ("Projektøkonomien skal afrapporteres månedligt", "budget"),
    ("Risikovurderingsskemaet er for tungt at udfylde", "risk"),
    ("Kundemødet i morgen bliver svært", "customer"),
    ("Skal milepælsplanen med i statusmødet hos mig?", "planning"),
)

TYPO_CASES: tuple[Case, ...] = (
    ("budgt er overskredet, hjælp", "budget"),
    ("hvordan håndterer jeg min styregrupe", "steering-group"),
    ("vi er bagud med gevinstrealisring", "benefits"),
    ("hvordan laver man en risko analyse", "risk"),
    ("kan nogen hjælpe med tidsplnen", "planning"),
    ("hvem er ansvarlig for interesentanalysen", "stakeholders"),
    ("tesplanen er ikke klar", "test"),
    ("vi mangler et komisorium", "pid"),
    ("hvordan styrer jeg omkostningner", "budget"),
    ("skabloner til projektmodellen?", "method"),
    ("stakeholdr analysis for the new platform", "stakeholders"),
    ("our shedule is a mess", "planning"),
)

FOLDING_CASES: tuple[Case, ...] = (
    ("Hvordan laver jeg en god planlaegning af sommerferien i projektet?", "planning"),
    ("Projektoekonomien er ude af kontrol", "budget"),
    ("Vi skal holde styregruppemoede i naeste uge", "steering-group"),
    ("Hvordan haandterer jeg kundens forventninger?", "customer"),
    ("Hvem skal godkende milepaelsplanen?", "planning"),
    ("okonomien i projektet ser skidt ud", "budget"),
    ("vaerdien for borgerne skal dokumenteres", "benefits"),
    ("STYREGRUPPEMØDET ER AFLYST!!", "steering-group"),
    ("hvordan haandterer vi risikoen for noedplan aktivering", "risk"),
    ("Hvor finder jeg vaerktoejer og skabeloner?", "method"),
)

MIXED_LANGUAGE_CASES: tuple[Case, ...] = (
    ("Vi skal have lavet en risk assessment af den nye platform", "risk"),
    ("Kan du hjælpe med vores stakeholder map?", "stakeholders"),
    ("Hvordan tracker vi benefits efter go-live?", "benefits"),
    ("Budget forecast for Q4 ser forkert ud, kan du kigge?", "budget"),
    ("Vi mangler test cases til UAT", "test"),
    ("Min sponsor vil ikke tage ownership af projektet", "steering-group"),
    ("Hvordan laver jeg en business case for AI-projektet?", "pid"),
    ("Jeg skal bruge sparring på scope og deliverables i PID", "pid"),
    ("Hvordan sætter jeg et framework op for vores projektmodel?", "method"),
    ("Kunden har sendt en change request igen", "customer"),
    ("Vi er bagud på vores milestones, kan vi tage en snak?", "planning"),
    ("steering committee mødet gik skidt, hvad nu?", "steering-group"),
)

ENGLISH_CASES: tuple[Case, ...] = (
    ("How do I write a good project initiation document?", "pid"),
    ("Our steering committee keeps postponing decisions", "steering-group"),
    ("Need help preparing for the steering group meeting on Friday", "steering-group"),
    ("What should a UAT test plan contain?", "test"),
    ("The client is unhappy with the latest delivery", "customer"),
    ("How do I manage customer expectations on a fixed-price contract?", "customer"),
    ("Our schedule is slipping and we will miss the next milestone", "planning"),
    ("How do we track benefits realisation after the project closes?", "benefits"),
    ("We are 15% over budget, how do I report it?", "budget"),
    ("How should we maintain the risk register?", "risk"),
    ("What's a good mitigation strategy for losing our only architect?", "risk"),
    ("How do I deal with a stakeholder who blocks everything?", "stakeholders"),
    ("Which PRINCE2 templates do we actually need?", "method"),
    ("Can someone review our Gantt chart?", "planning"),
    ("The costs for licences are much higher than forecast", "budget"),
    ("How do I estimate effort for the migration?", "planning"),
    ("Regression tests keep failing in the test environment", "test"),
    ("Who should own the business case?", "pid"),
    ("How do we measure the value delivered to citizens?", "benefits"),
    ("Our communication plan is not reaching the end users", "stakeholders"),
)

# As Slack sends them; the classifier reads them as the Slack adapter hands them on (SLACK_NOISE_READ).
SLACK_NOISE_CASES: tuple[Case, ...] = (
    ("<@U024BE7LH> kan du hjælpe med budgettet? :pray:", "budget"),
    ("*HASTER* styregruppen mødes i morgen og jeg har ingen dagsorden", "steering-group"),
    ("hej! :wave: vi har problemer med testmiljøet <https://jira.example.com/browse/PRJ-12|PRJ-12>", "test"),
    ("@channel nogen der har erfaring med gevinstkort??? :thinking_face:", "benefits"),
    ("> risikoanalysen er klar\nmen hvem ejer den?", "risk"),
)

SLACK_NOISE_READ: tuple[Case, ...] = tuple((slack_markup.plain(text), key) for text, key in SLACK_NOISE_CASES)

# Written as a check after the keyword lists were drafted, and not tuned against beyond general fixes;
# the few misses here are honest ones (the classifier asks instead of guessing).
FRESH_CASES: tuple[Case, ...] = (
    ("Hvordan beskriver jeg projektets mål og rammer i starten?", "pid"),
    ("Hvad er forskellen på et kommissorium og en PID?", "pid"),
    ("Jeg skal skrive et projektgrundlag til direktionen i morgen", "pid"),
    ("How detailed should the scope section of the PID be?", "pid"),
    ("Min styregruppe læser ikke materialet inden møderne", "steering-group"),
    ("Hvordan får jeg en beslutning fra styregruppen når de er uenige?", "steering-group"),
    ("Sponsoren har mistet interessen for projektet", "steering-group"),
    ("How often should the steering group meet?", "steering-group"),
    ("Hvordan organiserer vi brugertesten med 30 brugere?", "test"),
    ("Der er kritiske fejl to uger før go-live, skal vi udskyde?", "test"),
    ("Hvem skriver testcasene, leverandøren eller os?", "test"),
    ("We have no proper test environment for the integration", "test"),
    ("Kunden ændrer kravene hele tiden", "customer"),
    ("Hvordan siger jeg nej til kunden uden at ødelægge relationen?", "customer"),
    ("Our client keeps adding scope without paying", "customer"),
    ("Kundens projektleder svarer aldrig på mails", "customer"),
    ("Hvordan laver jeg en tidsplan når vi ikke kender kravene?", "planning"),
    ("Vi har for få ressourcer til at nå deadline", "planning"),
    ("Er der en god måde at estimere på i et nyt team?", "planning"),
    ("What is a realistic timeline for a CRM migration?", "planning"),
    ("Hvordan følger vi op på gevinsterne et år efter?", "benefits"),
    ("Hvem skal være gevinstejer i linjen?", "benefits"),
    ("How do we prove the business value of the new portal?", "benefits"),
    ("Hvordan dokumenterer vi effekterne for borgerne?", "benefits"),
    ("Vi har brugt 80 % af budgettet og er kun halvvejs", "budget"),
    ("Hvordan budgetterer jeg med usikre timepriser?", "budget"),
    ("Our spend on contractors is way above plan", "budget"),
    ("Økonomistyring i projektet er helt ude af kontrol", "budget"),
    ("Hvordan prioriterer jeg risiciene i risikologgen?", "risk"),
    ("Hvad gør vi hvis vores eneste arkitekt siger op? Det er en stor risiko", "risk"),
    ("What's the best way to run a risk workshop?", "risk"),
    ("Hvordan håndterer vi usikkerheden omkring den nye lovgivning?", "risk"),
    ("Hvordan kortlægger jeg interessenterne i kommunen?", "stakeholders"),
    ("Medarbejderne er imod det nye system, hvordan skaber jeg opbakning?", "stakeholders"),
    ("How do I communicate the change to 400 employees?", "stakeholders"),
    ("Fagforeningen og ledelsen skal begge inddrages, hvordan?", "stakeholders"),
    ("Hvilken version af projektmodellen gælder nu?", "method"),
    ("Er der en skabelon til lessons learned?", "method"),
    ("Should we use PRINCE2 or something lighter?", "method"),
    ("Hvordan bruger jeg fasemodellen i et agilt projekt?", "method"),
)

CASES: tuple[Case, ...] = (
    DANISH_CASES
    + DEFINITE_FORM_CASES
    + COMPOUND_CASES
    + TYPO_CASES
    + FOLDING_CASES
    + MIXED_LANGUAGE_CASES
    + ENGLISH_CASES
    + SLACK_NOISE_READ
    + FRESH_CASES
)

# Requests that honestly touch two or three areas: any of these keys is a right answer, and when the
# classifier is unsure it must offer them as candidates rather than guess something else.
AMBIGUOUS_CASES: tuple[AmbiguousCase, ...] = (
    ("budget for the test environment", frozenset({"budget", "test"})),
    (
        "hvordan planlægger vi styregruppemøderne og budgettet",
        frozenset({"planning", "steering-group", "budget"}),
    ),
    ("Risikoen for at vi overskrider budgettet er stor", frozenset({"risk", "budget"})),
    ("Kunden vil have en ny tidsplan", frozenset({"customer", "planning"})),
    ("Hvordan præsenterer jeg gevinsterne for styregruppen?", frozenset({"benefits", "steering-group"})),
    ("Template for the risk register", frozenset({"method", "risk"})),
    ("Testen er forsinket og det truer go-live datoen", frozenset({"test", "planning", "risk"})),
    ("Interessenterne i styregruppen er uenige", frozenset({"stakeholders", "steering-group"})),
    ("Skal business casen indeholde gevinster og omkostninger?", frozenset({"pid", "benefits", "budget"})),
    ("Har vi en skabelon til projektplanen?", frozenset({"method", "planning"})),
    ("Effektkæden i vores business case hænger ikke sammen", frozenset({"benefits", "pid"})),
    ("the client wants to cut the budget", frozenset({"customer", "budget"})),
)

# Text that names no area at all: the classifier must not invent one.
NO_AREA_TEXTS: tuple[str, ...] = (
    "",
    "   \n\t ",
    "asdf qwerty zxcv",
    "!!! ??? ...",
    "12345 67890",
    ":smile: :tada:",
    "lorem ipsum dolor sit amet",
    "hej, tak for i går!",
)
