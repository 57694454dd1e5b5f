"""The whole sparring lifecycle, driven through ``vpmo chat --script --json`` as a user would."""

from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path

from bot.cli import SAMPLE_TENANT
from tests.e2e.conftest import SCRIPTS, Chat, run_cli
from tests.e2e.test_cli import network_db, network_file
from tests.integration.test_network_admin import tenant_text

JONAS = "jonas.friis@nordlys.dk"
ANNA = "anna.berg@maximize.dk"
SOFIE = "sofie.dahl@nordlys.dk"
METTE = "mette.holm@nordlys.dk"
LARS = "lars.kjaer@maximize.dk"


def script(name: str) -> str:
    return (SCRIPTS / name).read_text(encoding="utf-8")


def test_danish_budget_question_goes_to_the_budget_senior_and_ends_with_feedback_and_kpis(chat: Chat) -> None:
    result = chat(script("budget_lifecycle.txt"))

    offer = result.to(ANNA)[0]
    assert offer["ref"] == "S-1"
    assert {a["id"] for a in offer["actions"]} == {"accept:S-1", "decline:S-1"}
    assert "Budgettering" in result.to(JONAS)[0]["text"]
    assert "Anna Berg har accepteret S-1" in result.texts(JONAS)
    rating_request = next(
        m for m in result.to(JONAS) if m["actions"] and m["actions"][0]["id"] == "rate:S-1:1"
    )
    assert len(rating_request["actions"]) == 5
    assert "Feedback på S-1: 4 ud af 5" in result.texts(ANNA)
    assert "Gode råd om forecast" in result.texts(ANNA)
    kpis = result.to(METTE)[-1]["text"]
    assert "Brugte timer: 1,5 af 60" in kpis
    assert "Gennemsnitlig feedback: 4 ud af 5 (1 svar)" in kpis
    assert result.exit_code == 0


def test_buttons_keep_working_in_a_later_run(chat: Chat) -> None:
    chat(":clock 2027-03-03T10:00\nsparring Budgettet skrider, hvad gør jeg?\n")

    later = chat(":click accept:S-1\n", as_=ANNA)

    assert "S-1" in later.to(ANNA)[0]["text"]
    assert later.to(JONAS)[0]["ref"] == "S-1"
    assert later.exit_code == 0


def test_declined_request_moves_to_the_next_budget_senior_and_the_requester_is_told(chat: Chat) -> None:
    result = chat(script("decline.txt"))

    assert result.to(ANNA)[0]["ref"] == "S-1"
    assert result.to(SOFIE)[0]["ref"] == "S-1"
    told = result.texts(JONAS)
    assert "Anna Berg kunne ikke tage S-1" in told
    assert "S-1 er nu sendt til Sofie Dahl" in told


def test_unanswered_request_escalates_after_nine_business_hours_across_a_weekend(chat: Chat) -> None:
    result = chat(script("weekend_escalation.txt"))

    assert [m["ref"] for m in result.to(SOFIE)] == ["S-1"]
    assert "blev ikke besvaret af Anna Berg inden for 8 arbejdstimer" in result.texts(METTE)
    assert "Anna Berg svarede ikke på S-1 i tide" in result.texts(JONAS)
    assert "S-1 blev ikke besvaret inden for 8 arbejdstimer" in result.texts(ANNA)


def test_no_escalation_before_the_answer_time_has_run_out(chat: Chat) -> None:
    result = chat(":clock 2027-03-05T14:00\nsparring Hjælp til budgettet\n:clock 2027-03-08T13:00\n")

    assert result.to(SOFIE) == []
    assert result.to(METTE) == []


def test_quota_warnings_reach_the_coordinator_and_past_the_level_she_approves(chat: Chat) -> None:
    result = chat(script("quota.txt"))

    coordinator = result.texts(METTE)
    assert "80 % af de aftalte sparringstimer for 2. kvartal 2027 er brugt (48 af 60 timer)" in coordinator
    assert "først når timerne er brugt, skal du godkende dem" in coordinator
    assert "Alle aftalte sparringstimer for 2. kvartal 2027 er brugt (60 af 60 timer)" in coordinator
    assert "Nye forespørgsler venter nu på din godkendelse" in coordinator
    assert coordinator.count("80 %") == 1
    assert coordinator.count("venter nu på din godkendelse") == 1
    assert "S-4 · Styregruppehåndtering · fra Jonas Friis" in coordinator
    assert "S-4 venter" in result.texts(JONAS)
    assert "Koordinatoren har godkendt S-4" in result.texts(JONAS)
    assert [m["ref"] for m in result.to(LARS)] == ["S-4"]


def test_the_senior_sees_the_queue_and_hours_are_checked_and_corrected(chat: Chat) -> None:
    result = chat(script("senior_hours.txt"))
    anna = result.texts(ANNA)

    assert "S-1 · Budgettering · fra Jonas Friis · har ventet 2 timer · svar senest" in anna
    assert "100 timer er mere, end én sparring kan vare (højst 24 timer), så intet er registreret" in anna
    assert "12 timer er usædvanligt meget for én sparring (normalt højst 8 timer)" in anna
    assert "S-1 er registreret som holdt med 12 timer." in anna
    assert "S-1 er allerede registreret som holdt med 12 timer; intet er ændret." in anna
    assert "Timerne for S-1 er rettet fra 12 til 1,5." in anna
    assert "Timerne er rettet fra 12 til 1,5 af Anna Berg" in anna
    assert "Brugte timer: 1,5 af 60" in result.texts(METTE)
    assert sum("Hvordan var din sparring S-1?" in m["text"] for m in result.to(JONAS)) == 1


def test_wrong_roles_and_states_get_whole_sentences(chat: Chat) -> None:
    result = chat(script("wrong_roles.txt"))

    assert "Det er seniorprojektlederen, der får S-1 tilbudt, som accepterer den." in result.texts(JONAS)
    assert "tildel S-1 navn-eller-mail" in result.texts(METTE)
    assert "S-1 er sendt til Anna Berg, som endnu ikke har svaret." in result.texts(SOFIE)
    assert "Du har allerede accepteret S-1. Når sparringen er holdt" in result.texts(ANNA)
    everything = "\n".join(m["text"] for m in result.messages)
    assert "(den er" not in everything


def test_the_coordinators_waiting_list_and_one_message_per_escalation(chat: Chat) -> None:
    result = chat(script("coordinator_waiting.txt"))
    mette = result.to(METTE)

    escalated = [m for m in mette if "blev ikke besvaret af Lars Kjær" in m["text"]]
    assert len(escalated) == 1
    assert "Ingen anden seniorprojektleder passer, så den er hos dig nu" in escalated[0]["text"]
    assert not any("kunne ikke fordeles automatisk" in m["text"] for m in mette)
    waiting = result.texts(METTE)
    assert "Det venter på dig (2):" in waiting
    assert "alle seniorprojektledere, der passer, har afvist den. Skriv tildel S-1" in waiting
    assert "eskaleret, fordi ingen svarede i tide, og ingen anden passer. Skriv tildel S-2" in waiting


def test_removing_a_senior_in_the_tenant_file_moves_their_requests_on(
    chat: Chat, sample_db: str, tmp_path: Path
) -> None:
    chat(":clock 2027-03-03T10:00\nsparring Hjælp til budgettet for projektets fase 2\n")
    chat(":click accept:S-1\n", as_=ANNA)
    text = SAMPLE_TENANT.read_text(encoding="utf-8")
    start = text.index("  - email: anna.berg@maximize.dk")
    end = text.index("  - email: lars.kjaer@maximize.dk")
    without_anna = tmp_path / "nordlys.yaml"
    without_anna.write_text(text[:start] + text[end:], encoding="utf-8")

    applied = run_cli(sample_db, "tenant", "apply", str(without_anna))

    assert applied.exit_code == 0, applied.output
    assert "deactivated 1: anna.berg@maximize.dk" in applied.output
    assert "Open requests of seniors who left, passed on 1: S-1 to Sofie Dahl." in applied.output
    later = chat(":clock +1m\n", as_=SOFIE)
    assert later.to(SOFIE)[0]["ref"] == "S-1"
    assert "Anna Berg, som havde accepteret S-1, er ikke længere seniorprojektleder her" in later.texts(JONAS)
    # The new answer deadline is counted from the console's clock: nothing is overdue at once.
    assert "blev ikke besvaret" not in later.texts(METTE)
    assert "torsdag den 4. marts kl. 10:00" in later.texts(SOFIE)


def test_bad_input_is_answered_clearly_and_creates_nothing(chat: Chat) -> None:
    result = chat(script("bad_input.txt"))
    replies = result.texts(JONAS)

    assert "Jeg forstod ikke “frobnicate the synergies”" in replies
    assert "Skriv: færdig S-42 1,5" in replies
    assert "Jeg kan ikke finde S-99" in replies
    assert "Skriv: sprog da eller sprog en" in replies
    assert "Beklager, jeg kender dig ikke i Nordlys Energi A/S endnu" in result.texts("nobody@nordlys.dk")
    assert "nobody@nordlys.dk" in result.texts(METTE)
    assert "S-1" not in replies


def test_oversized_request_is_refused_with_its_length(chat: Chat) -> None:
    text = ("Budgettet er skredet. " * 250)[:4999] + "!"
    result = chat(f"sparring {text}\n")

    assert "Din tekst er på 5.000 tegn; hold den under 2.000" in result.texts(JONAS)
    assert result.to(ANNA) == []


def test_guided_intake_asks_area_description_and_urgency(chat: Chat) -> None:
    result = chat(
        "sparring\n:click Budgettering\nVi skal forklare en overskridelse for styregruppen\n:click Haster\n"
    )

    assert result.to(JONAS)[0]["actions"][0]["id"].startswith("intake-area:")
    offer = result.to(ANNA)[0]
    assert offer["ref"] == "S-1"
    assert "Haster" in offer["text"]


def test_english_speaker_gets_english_and_can_switch_to_danish(chat: Chat) -> None:
    result = chat(
        "sparring We need help with the test plan for UAT\nlanguage da\nstatus\n",
        as_="emma.larsen@nordlys.dk",
    )
    emma = result.to("emma.larsen@nordlys.dk")

    assert "has gone to Sofie Dahl" in emma[0]["text"]
    assert emma[1]["text"] == "Jeg skriver til dig på dansk fra nu af."
    assert "Dine seneste forespørgsler (1)" in emma[2]["text"]


def test_unknown_console_command_fails_the_script(chat: Chat) -> None:
    result = chat(":frob\n")

    assert result.exit_code == 1
    assert "unknown console command" in result.notes


def test_a_long_console_session_leaves_no_threads_behind(chat: Chat) -> None:
    threads_before = threading.active_count()

    result = chat("".join(f"sparring Budgettet skrider ({number})\n" for number in range(12)))

    assert len(result.to(ANNA)) == 12
    assert threading.active_count() <= threads_before + 1


def test_as_finds_people_by_name_in_any_case_and_without_danish_letters(chat: Chat) -> None:
    result = chat(script("by_name.txt"))

    assert "Anna Berg har accepteret S-1" in result.texts(JONAS)
    assert result.to(LARS)
    assert "(you are now Anna Berg, anna.berg@maximize.dk)" in result.notes
    assert "(you are now Lars Kjær, lars.kjaer@maximize.dk)" in result.notes
    assert "(you are now Jonas Friis, jonas.friis@nordlys.dk)" in result.notes
    assert result.exit_code == 0


def test_names_and_labels_that_mean_several_are_listed_and_nothing_is_done(chat: Chat) -> None:
    result = chat(script("ambiguous.txt"))

    assert "(usage: :as EMAIL-OR-NAME, e.g. :as anna.berg@maximize.dk or :as Anna)" in result.notes
    assert (
        "('Holm' could be Ida Holm (ida.holm@nordlys.dk), Mette Holm (mette.holm@nordlys.dk);"
        " say which with :as EMAIL)"
    ) in result.notes
    assert (
        "(2 of your buttons are labelled 'Acceptér': accept:S-1, accept:S-2;"
        " press one by its id, e.g. :click accept:S-2)"
    ) in result.notes
    assert "Anna Berg har accepteret S-2" in result.texts(JONAS)
    assert "accepteret S-1" not in result.texts(JONAS)
    assert result.exit_code == 1


def test_as_a_name_nobody_has_fails_and_says_where_to_see_the_people(chat: Chat) -> None:
    result = chat(":as Bjarne\nstatus\n")

    assert (
        "(nobody in nordlys is called 'Bjarne'; see who is there with: vpmo tenant export nordlys)"
        in result.notes
    )
    assert [m["to"] for m in result.messages] == [JONAS]
    assert result.exit_code == 1


def test_as_an_address_the_client_does_not_know_talks_as_a_stranger(chat: Chat) -> None:
    result = chat(":as Nobody@Nordlys.dk\nstatus\n")

    assert "(you are now nobody@nordlys.dk, whom Nordlys Energi A/S does not know)" in result.notes
    assert "Beklager, jeg kender dig ikke i Nordlys Energi A/S endnu" in result.texts("nobody@nordlys.dk")
    assert result.exit_code == 0


def test_click_without_a_button_prints_its_usage_and_an_unknown_label_fails(chat: Chat) -> None:
    result = chat(":click\n:click Acceptér\n")

    assert "(usage: :click ID-OR-LABEL, e.g. :click accept:S-1 or :click Acceptér)" in result.notes
    assert "(no button 'Acceptér' on your messages; buttons show as [Label](id))" in result.notes
    assert result.messages == []
    assert result.exit_code == 1


def test_chat_as_someone_the_client_does_not_know_is_refused(sample_db: str, tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("sparring Hjælp med budgettet\n", encoding="utf-8")

    result = run_cli(
        sample_db, "chat", "--tenant", "nordlys", "--as", "nobody@nordlys.dk", "--script", str(lines)
    )

    assert result.exit_code == 1
    assert result.stderr == (
        "Error: nordlys (Nordlys Energi A/S) has nobody known as 'nobody@nordlys.dk';"
        " see who it has with: vpmo tenant export nordlys\n"
    )
    assert result.stdout == ""


def test_chat_as_a_name_picks_the_one_person_and_refuses_several(sample_db: str, tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("status\n", encoding="utf-8")

    one = run_cli(sample_db, "chat", "--tenant", "nordlys", "--as", "Søfie", "--script", str(lines), "--json")
    several = run_cli(sample_db, "chat", "--tenant", "nordlys", "--as", "holm", "--script", str(lines))

    assert json.loads(one.stdout)["to"] == SOFIE
    assert several.exit_code == 1
    assert several.stderr == (
        "Error: --as 'holm' could be Ida Holm (ida.holm@nordlys.dk), Mette Holm (mette.holm@nordlys.dk);"
        " give the e-mail address\n"
    )


def test_plain_words_mentions_and_status_read_as_a_person_would_say_them(chat: Chat) -> None:
    result = chat(script("plain_words.txt"))
    told = result.to(JONAS)

    assert told[0]["text"].startswith("Hej Jonas!")
    assert told[1]["text"].startswith("Skal jeg sende det som en sparringsforespørgsel?")
    assert [a["id"] for a in told[1]["actions"]] == ["ask-sparring"]
    assert "S-1 (PID-udarbejdelse) er sendt til Lars Kjær" in told[2]["text"]
    assert "Den tekst har jeg ikke længere" in told[3]["text"]
    assert "Anna Berg arbejder ikke med PID-udarbejdelse" in told[4]["text"]
    assert told[5]["text"] == "S-2 er nu sendt til Anna Berg."
    assert "Jeg kender ingen seniorprojektleder, der hedder “Bo”" in told[6]["text"]
    assert "S-3 (Budgettering) er sendt til Anna Berg" in told[7]["text"]
    status = told[-1]["text"]
    assert "S-2 · PID-udarbejdelse · venter på svar fra Anna Berg siden i går kl. 14:00" in status
    assert "S-1 · PID-udarbejdelse · venter på svar fra Lars Kjær siden i går kl. 14:00" in status
    assert "tilbudt" not in status
    assert "Jonas Friis vil hellere have Anna Berg til S-2" in result.texts("lars.kjaer@maximize.dk")
    assert [m["ref"] for m in result.to("lars.kjaer@maximize.dk")] == ["S-1", "S-2", "S-2"]


def test_a_whole_quarter_of_challenges_from_the_call_to_the_method_review(chat: Chat) -> None:
    result = chat(script("challenges_quarter.txt"))

    channel = result.texts("#C0CHALL")
    assert "Kvartalsmødet er tirsdag den 9. marts kl. 13:00" in channel
    assert [m["ref"] for m in result.to("#C0CHALL") if m["ref"]] == ["U-1", "U-2", "U-3"]
    assert "Der er 3 udfordringer til kvartalsmødet" in channel
    assert (
        "1. U-1 – Styregruppen læser ikke vores statusrapporter, før de mødes – Jonas Friis – stemmer: 2"
        in channel
    )
    # After the merge U-1 counts Ida and Peter (reactions) and Karen (her button vote on U-2) once each.
    assert (
        "1. U-1 – Styregruppen læser ikke vores statusrapporter, før de mødes – Jonas Friis – stemmer: 3"
        in (result.texts(METTE))
    )
    reminded = {
        m["to"] for m in result.messages if "du har ikke stemt endnu" in m["text"] or "not voted" in m["text"]
    }
    assert reminded == {METTE, SOFIE, "emma.larsen@nordlys.dk"}
    assert "Kvartalsmødet har vedtaget den som en ændring af metoden" in result.texts(JONAS)
    assert "News about U-1, which your challenge U-2 was merged into" in result.texts(
        "emma.larsen@nordlys.dk"
    )
    assert "S-1 (Test) er sendt til Sofie Dahl" in result.texts("ida.holm@nordlys.dk")
    assert "Årets metodegennemgang (2027): 1 vedtaget ændring" in result.texts(ANNA)
    assert "er nu med i metoden: skabelon v2027.2" in result.texts(JONAS)
    assert result.exit_code == 0


def test_the_quarters_minutes_export_as_markdown_and_csv(chat: Chat, sample_db: str) -> None:
    chat(script("challenges_quarter.txt"))

    markdown = run_cli(sample_db, "challenges", "export", "nordlys", "--quarter", "2027Q1")
    spreadsheet = run_cli(
        sample_db, "challenges", "export", "nordlys", "--quarter", "2027-Q1", "--format", "csv"
    )
    wrong = run_cli(sample_db, "challenges", "export", "nordlys", "--quarter", "Q1")

    assert markdown.exit_code == 0
    assert "# Udfordringer til kvartalsmødet 2027-Q1" in markdown.stdout
    assert (
        "| 1 | U-1 | Styregruppen læser ikke vores statusrapporter, før de mødes | Jonas Friis | 3 |"
        in markdown.stdout
    )
    rows = list(csv.reader(io.StringIO(spreadsheet.stdout)))
    assert rows[0][:5] == ["Plads", "Ref.", "Udfordring", "Indsendt af", "Stemmer"]
    by_ref = {row[1]: row for row in rows[1:]}
    assert by_ref["U-1"][6:9] == [
        "besluttet",
        "vedtaget",
        "Ny skabelon til styregruppeindstilling med et resumé på én side",
    ]
    assert by_ref["U-2"][6] == "flettet"
    assert by_ref["U-2"][9] == "U-1"
    assert by_ref["U-3"][10] == "S-1"
    assert by_ref["U-1"][11] == "skabelon v2027.2"
    assert wrong.exit_code == 2
    assert "2027Q1" in wrong.output


SPRING = "»ERFA: Gevinstrealisering i praksis«"
IDA = "ida.holm@nordlys.dk"
PETER = "peter.munk@nordlys.dk"
KAREN = "karen.vestergaard@nordlys.dk"
EMMA = "emma.larsen@nordlys.dk"


def test_a_whole_erfa_meeting_from_the_announcement_to_the_coordinators_summary(chat: Chat) -> None:
    result = chat(SCRIPTS / "erfa_meeting.txt")
    channel = result.to("#C0ERFA")
    posts = [m["text"] for m in channel if not m.get("updated")]

    announcement = channel[0]
    assert announcement["text"].startswith(
        f"I er inviteret til {SPRING}\nTid: torsdag den 15. april kl. 09:00"
    )
    assert "0 deltagere, 0 måske · 3 pladser, 3 ledige" in announcement["text"]
    assert [a["label"] for a in announcement["actions"]] == ["Deltager", "Måske", "Deltager ikke"]
    assert announcement["invite"].endswith(".ics")
    # Five answered for three seats: Karen waits, and the first post is kept current in place.
    assert "du står som nummer 1 på ventelisten" in result.texts(KAREN)
    edits = [m["text"] for m in channel if m.get("updated")]
    assert any("3 deltagere, 1 måske · 3 pladser, ingen ledige · 1 på venteliste" in text for text in edits)
    assert "Venteliste (1):\n1. Karen Vestergaard\nMåske (1):\n• Emma Larsen" in result.texts(METTE)
    assert "Det er kun koordinatoren, der kan se deltagerlisten. Spørg Mette Holm." in result.texts(JONAS)
    # A new place keeps the answers; the one waiting is told she still waits.
    assert "Nyt sted: Nordlys, Fredericia / Teams (før: Nordlys, Kolding / Teams)" in posts[1]
    assert "Tidspunktet er det samme, så alle svar gælder stadig." in posts[1]
    assert "Du står stadig på ventelisten" in result.texts(KAREN)
    # Peter cannot come: Karen moves up.
    assert f"Der er blevet en plads til dig: du er nu tilmeldt mødet {SPRING}" in result.texts(KAREN)
    # The move resets the answers: everyone who had answered is asked again, with the buttons.
    assert posts[2].startswith(
        f"Mødet {SPRING} er flyttet fra torsdag den 15. april kl. 09:00 til torsdag den 22. april kl. 09:00."
    )
    moved = [m for m in result.messages if "er flyttet fra" in m["text"] and m["to"] != "#C0ERFA"]
    assert {m["to"] for m in moved} == {JONAS, IDA, KAREN}
    assert all(m["actions"][0]["id"] == "erfa:rsvp:2027-spring:attending" for m in moved)
    assert "has moved from Thursday 15 April at 09:00 to Thursday 22 April at 09:00" in result.texts(EMMA)
    after_the_move = result.to(METTE)[1]["text"]
    assert after_the_move.startswith(f"Svar på mødet {SPRING} torsdag den 22. april kl. 09:00:")
    assert "Deltagere (3):\n• Jonas Friis\n• Ida Holm\n• Karen Vestergaard\n" in after_the_move
    assert after_the_move.endswith("Kommer ikke (1):\n• Emma Larsen")
    assert "Du har ikke svaret endnu." in result.texts(SOFIE)
    # No reminder for the old time: every later reminder is for the 22nd and says what changed.
    assert [post.split("\n")[0] for post in posts[3:6]] == [
        f"Om 7 dage: {SPRING}",
        f"I morgen: {SPRING}",
        f"Om 2 timer: {SPRING}",
    ]
    assert all("Tid: torsdag den 22. april kl. 09:00 (3 timer)" in post for post in posts[3:6])
    assert all("Mødet har fået nyt sted siden første udmelding" in post for post in posts[3:6])
    assert "15. april" not in "\n".join(posts[3:6])
    # Peter, who had answered for the old time, is asked for the new one with the week-before reminder.
    assert (
        f"Mødet {SPRING} er flyttet til torsdag den 22. april kl. 09:00 (Nordlys, Fredericia / Teams),"
        " og dit svar gjaldt det gamle tidspunkt." in result.texts(PETER)
    )
    reminded = {m["to"] for m in result.messages if m["text"].startswith(f"Husk mødet {SPRING} i morgen")}
    assert reminded == {JONAS, IDA, KAREN}
    assert (
        f"Husk mødet {SPRING} i morgen, torsdag den 22. april kl. 09:00. Sted: Nordlys, Fredericia / Teams."
        in result.texts(IDA)
    )
    # After the meeting: a rating, the takeaway typed next, and one submitted as a challenge.
    asked = {
        m["to"] for m in result.messages if m["text"].startswith(f"Tak, fordi du deltog i mødet {SPRING}")
    }
    assert asked == {JONAS, IDA, KAREN}
    assert "Tak for din bedømmelse: 4 ud af 5." in result.texts(JONAS)
    assert "Din udfordring har fået referencen U-1" in result.texts(JONAS)
    assert "“Vi prøver gevinstkort i styregruppen fra næste måned”" in result.texts("#C0CHALL")
    assert f"Feedback på mødet {SPRING} er for dem, der havde en plads på mødet." in result.texts(SOFIE)
    summary = next(m["text"] for m in result.to(METTE) if m["text"].startswith("Opsamling"))
    assert summary.splitlines() == [
        f"Opsamling på mødet {SPRING} torsdag den 22. april kl. 09:00:",
        "Svar: 3 deltagere, 0 måske og 1 afbud.",
        "Bedømmelse: 4 ud af 5 i gennemsnit (3 svar).",
        "Det tager deltagerne med hjem (3):",
        "“Vi prøver gevinstkort i styregruppen fra næste måned”",
        "“Testlederen skal med, når gevinsterne planlægges”",
        "“Styregruppen skal se gevinsterne på hvert møde”",
    ]
    # The autumn meeting is called off: those who answered are told, and no reminder follows.
    autumn = "»ERFA: Styregrupper der træffer beslutninger« torsdag den 11. november kl. 13:00"
    assert f"Mødet {autumn} er aflyst" in posts[-1]
    assert any(text == f"Aflyst: {autumn} bliver ikke holdt." for text in edits)
    cancelled = {m["to"] for m in result.messages if m["text"].startswith(f"Mødet {autumn} er aflyst, så du")}
    assert cancelled == {JONAS, PETER}
    assert result.exit_code == 0


def test_a_network_meeting_refuses_competitors_then_is_announced_and_answered_in_the_console(
    chat: Chat, sample_db: str, tmp_path: Path
) -> None:
    url = network_db(sample_db, tmp_path)
    with_competitor = network_file(
        tmp_path, "tenants: [nordlys, sundhedsdata, fjernvarme]", "tenants: [nordlys, vindkraft, fjernvarme]"
    )
    refused = run_cli(url, "network", "apply", with_competitor)
    nothing = run_cli(url, "network", "status", "maximize-network")
    applied = run_cli(url, "network", "apply", network_file(tmp_path))
    # Announced 28 days before 20 May, 13:00, in Nordlys' own ERFA channel beside its own meetings.
    played = chat(
        ":clock 2027-04-22T13:00\n:click erfa:rsvp:2027-network-1:attending\n"
        ":as Karen\n:click erfa:rsvp:2027-network-1:maybe\n"
    )
    status = run_cli(url, "network", "status", "maximize-network")

    assert refused.exit_code == 1
    assert "nordlys and vindkraft compete and may not be invited to the same network ERFA" in refused.stderr
    assert "Nothing was changed." in refused.stderr
    assert "there is no network 'maximize-network'" in nothing.stderr
    assert applied.exit_code == 0, applied.output
    assert "nordlys: added 2027-network-1." in applied.stdout
    announced = next(m for m in played.to("#C0ERFA") if "ERFA på tværs" in m["text"] and not m.get("updated"))
    assert announced["text"].startswith(
        "I er inviteret til »ERFA på tværs: Styregrupper der virker«\nTid: torsdag den 20. maj kl. 13:00 (4 timer)"
    )
    assert "Tak, du er tilmeldt mødet »ERFA på tværs: Styregrupper der virker«" in played.texts(JONAS)
    assert "1 deltager, 1 måske · 8 pladser, 7 ledige" in played.to("#C0ERFA")[-1]["text"]
    assert status.exit_code == 0, status.output
    assert "  nordlys       1       0        1      0              8 (7 free)\n" in status.stdout
    assert "  all           1       0        1      0              24 (23 free)\n" in status.stdout


def test_apply_in_a_script_reads_beside_it_and_refuses_what_it_cannot_apply(
    chat: Chat, tmp_path: Path
) -> None:
    other = tmp_path / "vindkraft.yaml"
    other.write_text(tenant_text("vindkraft"), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        SAMPLE_TENANT.read_text(encoding="utf-8").replace("seats: 3", "seats: 0"), encoding="utf-8"
    )
    lines = tmp_path / "lines.txt"
    lines.write_text(
        ":apply\n:apply nowhere.yaml\n:apply vindkraft.yaml\n:apply broken.yaml\n:clock 2027-03-18T09:00\n",
        encoding="utf-8",
    )

    result = chat(lines)

    assert "(usage: :apply FILE, a tenant file such as vpmo tenant export writes)" in result.notes
    assert f"(cannot read {tmp_path / 'nowhere.yaml'}: No such file or directory; nothing was changed)" in (
        result.notes
    )
    assert f"({other} is the tenant file of vindkraft, not nordlys; nothing was changed)" in result.notes
    assert "erfa_meetings[1].seats: must be at least 1, not 0\nNothing was changed.)" in result.notes
    # Nothing was changed: the announcement still offers three seats.
    assert "3 pladser, 3 ledige" in result.texts("#C0ERFA")
    assert result.exit_code == 1
