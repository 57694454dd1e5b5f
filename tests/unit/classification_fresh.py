"""Fresh labelled sparring requests, written blind: their author never read the classifier, its keyword
lists or the other labelled sets, and nothing in the classifier was tuned or trained on them. They are
the final, untouched test of how the classifier does on text it has never seen."""

from __future__ import annotations

from tests.unit.classification_cases import Case

FRESH_CASES: tuple[Case, ...] = (
    # pid
    (
        "hej jeg skal i gang med PID'en til vores nye CRM-projekt og ved ikke helt hvor jeg skal starte, "
        "kan nogen hjælpe mig med at få formuleret formål og afgrænsning",
        "pid",
    ),
    (
        "ledelsen vil se en business case før vi må gå i gang, jeg er i tvivl om hvor detaljeret den "
        "skal være",
        "pid",
    ),
    (
        "need help writing the project charter for a small integration project, the scope is really fuzzy",
        "pid",
    ),
    (
        "ikke sikker på hvordan succeskriterierne skal skrives så de kan måles, skal bruges i "
        "projektgrundlaget",
        "pid",
    ),
    (
        "projektet blev godkendt i fredags og nu sidder jeg med opstartsdokumenterne. hvad skal der "
        "være med "
        "i projektbeskrivelsen inden kick-off",
        "pid",
    ),
    (
        "vores scope er alt for bredt i udkastet til projektinitieringsdokumentet, kan en senior kigge med",
        "pid",
    ),
    (
        "mine projektmål lyder alle sammen som aktiviteter (udskifte systemet, migrere data osv). "
        "hvordan skriver man mål der beskriver hvad vi egentlig vil opnå",
        "pid",
    ),
    (
        "har brug for sparring på PID inden den skal godkendes i styregruppen næste uge, især afsnittet om "
        "hvad der er ude af scope",
        "pid",
    ),
    # steering-group
    (
        "vores styregruppe træffer aldrig beslutninger, møderne ender bare som en orientering. "
        "hvad gør jeg for at få dem til at tage stilling",
        "steering-group",
    ),
    (
        "hvem bør sidde i styregrupen for et tværgående projekt? lige nu er vi 9 og det er alt for mange",
        "steering-group",
    ),
    (
        "projektejeren blander sig i alt det daglige men dukker ikke op til styregruppemøderne, "
        "hvordan tackler jeg det",
        "steering-group",
    ),
    (
        "first time I have to escalate to the steerco because we're outside tolerance, any advice on "
        "how to do it",
        "steering-group",
    ),
    (
        "kan vi tage en snak om dagsordenen til styregruppemødet og hvad der skal med i beslutningsoplægget",
        "steering-group",
    ),
    (
        "jeg er nyt styregruppemedlem og forstår ikke helt min rolle. skal jeg bare godkende det "
        "projektlederen lægger frem, eller forventes der mere af mig",
        "steering-group",
    ),
    (
        "statusrapporten til styregruppen er på 12 sider og ingen læser den, hvad skal de egentlig have",
        "steering-group",
    ),
    (
        "styregruppen skal vælge mellem to løsningsmodeller på mødet d. 14 og jeg er bange for at de "
        "udskyder beslutningen igen. hvordan lægger jeg det frem",
        "steering-group",
    ),
    # test
    (
        "nogen der kan hjælpe med en teststrategi? vi skal teste en ny ERP-løsning og har aldrig haft "
        "en rigtig strategi før",
        "test",
    ),
    ("brugerne skal lave UAT om tre uger og jeg har ingen testcases endnu, hvor starter jeg", "test"),
    (
        "testmiljøet er nede hver anden dag og vi kan ikke komme videre med testen. "
        "hvad gør andre når miljøerne ikke er stabile",
        "test",
    ),
    ("vi har over 200 åbne fejl fra systemtesten og go-live nærmer sig, hvordan prioriterer vi dem", "test"),
    (
        "I'm the tester on a small project, could someone review my test plan before we start executing",
        "test",
    ),
    (
        "hvornår kan vi sige at accepttesten er bestået? skal alle fejl af kategori B være lukket først",
        "test",
    ),
    ("regressionstesten efter hver release tager os en hel uge, kan vi automatisere noget af den", "test"),
    (
        "skal vi bruge testdata fra produktion eller lave syntetiske data til integrationstesten? "
        "er usikker på hvad der er best practice ift GDPR",
        "test",
    ),
    # customer
    (
        "vores kunde ændrer kravene hele tiden og forventer at det er gratis. hvordan tager jeg den snak "
        "uden at ødelægge samarbejdet",
        "customer",
    ),
    ("leverandøren leverer for sent igen og igen, hvad kan jeg gøre i forhold til kontrakten", "customer"),
    (
        "fik en klage fra kunden i går over kvaliteten af den seneste leverance og ved ikke hvad jeg "
        "skal svare",
        "customer",
    ),
    (
        "the client expects daily updates and calls me at all hours, how do I set some boundaries with them",
        "customer",
    ),
    (
        "vi er et internt IT-projekt og vores kunde er salgsafdelingen. de tror de får hele pakken til "
        "februar, så jeg har brug for hjælp til at forventningsafstemme med dem",
        "customer",
    ),
    (
        "leverandørmødet i morgen bliver svært, de vil have os til at godkende en leverance der ikke "
        "lever op "
        "til det vi har aftalt",
        "customer",
    ),
    ("kunden vil ikke skrive under på overdragelsen selvom vi har leveret det aftalte, hvad nu", "customer"),
    (
        "kontrakten med konsulenthuset er uklar om hvem der ejer dokumentationen bagefter, "
        "vil gerne sparre før genforhandlingen",
        "customer",
    ),
    # planning
    (
        "tidsplanen skrider og jeg kan ikke se hvorfor, kan nogen hjælpe mig med at finde den kritiske vej",
        "planning",
    ),
    (
        "hjælp til estimater? teamet skal lave noget som ingen af os har prøvet før og jeg aner ikke "
        "hvor lang tid det tager",
        "planning",
    ),
    (
        "halvdelen af udviklerne er på ferie i juli og august, og jeg kan ikke få ressourceplanen for "
        "efteråret til at hænge sammen",
        "planning",
    ),
    (
        "need help building a milestone plan for a 9 month project, right now I just have a task list "
        "in excel",
        "planning",
    ),
    (
        "vi er 4 uger bagud og deadline ligger fast, hvilke muligheder har jeg for at indhente det",
        "planning",
    ),
    (
        "afhængighederne mellem de tre delprojekter er et rod i gantt-diagrammet, hvordan strukturerer "
        "jeg det",
        "planning",
    ),
    (
        "skal lave en realistisk plan for udrulningen til 40 afdelinger i bølger. hvor lang tid skal man "
        "afsætte pr bølge, og hvor mange kan man køre parallelt",
        "planning",
    ),
    (
        "er i tvivl om jeg skal lægge tidsbuffer på hver aktivitet eller samle den i slutningen af planen",
        "planning",
    ),
    # benefits
    (
        "nu har det nye system været i drift i et halvt år, og direktionen spørger om vi faktisk har fået "
        "de gevinster vi lovede. hvordan måler vi det",
        "benefits",
    ),
    ("hvem skal være gevinstejer når gevinsterne ligger ude i tre forskellige afdelinger", "benefits"),
    (
        "skal lave et gevinstdiagram og har aldrig prøvet det før, er der nogen der har et godt eksempel",
        "benefits",
    ),
    (
        "we need a baseline before go-live so we can prove the time savings later, what should we measure",
        "benefits",
    ),
    (
        "projketet lukker til sommer men effekterne kommer først året efter, hvem følger så op på "
        "gevinsterne",
        "benefits",
    ),
    (
        "ledelsen vil se en gevinstrealiseringsplan og ikke kun business casen. hvad er forskellen, og hvad "
        "skal planen indeholde",
        "benefits",
    ),
    (
        "vores gevinster er meget bløde (bedre trivsel, mere tilfredse borgere), kan man overhovedet "
        "måle dem",
        "benefits",
    ),
    (
        "på papiret har vi sparet 2 årsværk men ingen har reduceret bemandingen, hvordan får vi "
        "gevinsten hjemtaget",
        "benefits",
    ),
    # budget
    ("budgettet er allerede overskredet med 15% og vi er kun halvvejs, hvad gør jeg", "budget"),
    (
        "hvordan laver jeg en prognose for resten af projektet når timeforbruget svinger så meget fra "
        "måned til måned",
        "budget",
    ),
    (
        "jeg skal forklare merforbruget for styregruppen på torsdag, kan nogen hjælpe mig med at få styr på "
        "tallene og et bud på det forventede slutforbrug",
        "budget",
    ),
    (
        "need a sanity check on our cost estimate: licenses, external consultants and internal hours",
        "budget",
    ),
    (
        "fakturaerne fra leverandøren stemmer ikke med vores budgetlinjer, og økonomiafdelingen spørger. "
        "hvordan sætter jeg en ordentlig økonomiopfølgning op",
        "budget",
    ),
    (
        "skal interne timer regnes med i projektbudgettet? økonomi siger nej men så ser projektet jo meget "
        "billigere ud end det er",
        "budget",
    ),
    (
        "vi har fået bevilget 2 mio men skal søge ekstra midler til fase 2, hvordan bygger jeg "
        "ansøgningen op",
        "budget",
    ),
    ("de eksterne konsulenter æder pengene, hvordan får jeg overblik over omkostingerne pr måned", "budget"),
    # risk
    (
        "vores risikolog bliver lavet ved opstart og så rører ingen den igen, hvad gør i for at holde "
        "den levende",
        "risk",
    ),
    (
        "der er stor risiko for at vores eneste person med integrationsviden siger op. "
        "hvad kan vi gøre for at afbøde det",
        "risk",
    ),
    (
        "how do you score probability and impact consistently? everyone rates things differently",
        "risk",
    ),
    (
        "jeg er i tvivl om forskellen på en risiko og et issue, og hvornår noget skal flyttes fra "
        "risikologgen over i issueloggen",
        "risk",
    ),
    (
        "vi er afhængige af at et andet projekt leverer et API til maj og det ser usikkert ud. "
        "hvordan håndterer jeg den usikkerhed",
        "risk",
    ),
    ("skal vi have en nødplan klar hvis migreringen fejler i weekenden, og hvad skal den indeholde", "risk"),
    (
        "holder risikoworkshop med teamet på mandag, nogen der har gode øvelser til at få folk til at "
        "melde risici",
        "risk",
    ),
    ("sandsynlighed og konsekvens er høje på tre af vores risici men ingen vil eje tiltagene", "risk"),
    # stakeholders
    (
        "medarbejderne i kundeservice er imod det nye system og trækker benene, "
        "hvordan får jeg dem med på forandringen",
        "stakeholders",
    ),
    (
        "jeg skal lave en interessentanalyse for et projekt med rigtig mange parter, hvordan "
        "prioriterer jeg dem",
        "stakeholders",
    ),
    (
        "need help with a communication plan for a reorganisation project, people are nervous about "
        "their jobs",
        "stakeholders",
    ),
    (
        "tips til at inddrage de faglige organisationer tidligt uden at de føler alt er besluttet",
        "stakeholders",
    ),
    (
        "forandringsledelse er ikke min stærke side, og vi skal ændre arbejdsgangene for 300 "
        "sagsbehandlere. "
        "kan jeg få lidt sparring på det",
        "stakeholders",
    ),
    (
        "mellemlederne giver ikke informationen fra projektet videre til deres folk, så rygterne løber",
        "stakeholders",
    ),
    (
        "en afdelingschef modarbejder projektet åbent på møder. hvordan håndterer jeg modstanden",
        "stakeholders",
    ),
    (
        "svært at holde engagementet oppe hos superbrugerne nu hvor projektet har kørt i to år",
        "stakeholders",
    ),
    # method
    (
        "vi skal vælge mellem PRINCE2 og en mere agil tilgang til næste projekt, hvad passer bedst til os",
        "method",
    ),
    (
        "projektmodellen har 5 faser med gates, men vores lille projekt drukner i dokumentation. "
        "må vi skalere den ned",
        "method",
    ),
    (
        "hvor ligger den nyeste version af skabelonerne til projektmodellen? dem på intranettet er fra 2019",
        "method",
    ),
    (
        "we're running hybrid, scrum in the dev team and waterfall towards management. "
        "how do we fit that into the project model",
        "method",
    ),
    ("hvad skal være godkendt før vi går gennem gate 2? tjeklisten er lidt uklar", "method"),
    (
        "er ny projektleder her og har aldrig arbejdet efter jeres projektmodel, kan nogen gennemgå "
        "faserne med mig",
        "method",
    ),
    (
        "hvorda tilpasser vi metoden til et forskningsprojekt hvor vi ikke kender løsningen på forhånd",
        "method",
    ),
    (
        "nogen der har erfaring med at kombinere SAFe og vores egen projektmetode? vi bliver bedt om "
        "begge dele",
        "method",
    ),
)
