"""``vpmo serve`` as a real process: it comes up healthy, stops cleanly on SIGTERM, and loses nothing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.platforms.conftest import ANNA, JONAS, SIGNING_SECRET, TEAM, sample_database
from tests.platforms.serve_process import ServeProcess, slack_environment, slack_for_processes
from tests.platforms.slack_fakes import SlackClient, SlackSigner, slash_command
from tests.platforms.stored import outbox_rows_to


def test_a_request_queued_just_before_sigterm_is_offered_exactly_once_after_a_restart(
    database_url: str, tmp_path: Path
) -> None:
    sample_database(database_url)  # the same apply as `vpmo tenant apply`, without another process
    # Every Slack call takes 0.3 s, so the offer is still being sent when SIGTERM arrives.
    with slack_for_processes(latency=0.3) as slack:
        environment = slack_environment(database_url, slack.url)
        with ServeProcess(environment, tmp_path, "first") as first:
            first.wait_healthy()
            client = SlackClient(first.url)
            request = slash_command(TEAM, JONAS, "Budgettet er skredet, hvad gør jeg?")
            acked = asyncio.run(client.send("/slack/events", request, signer=SlackSigner(SIGNING_SECRET)))
            first_code, _ = first.terminate()
        during_first = len(slack.calls("chat.postMessage"))

        with ServeProcess(environment, tmp_path, "second") as second:
            second.wait_healthy()
            # Once the row is sent no tick can claim it again; the process then ends, so no copy
            # can come later than what is counted below.
            deadline = time.monotonic() + 30  # fails a server that never sends; passes nothing
            while [row.state for row in outbox_rows_to(database_url, ANNA)] != ["sent"]:
                assert time.monotonic() < deadline, (
                    f"the offer was not sent: {outbox_rows_to(database_url, ANNA)}"
                )
                time.sleep(0.05)
            second_code, _ = second.terminate()

    assert acked.status_code == 200
    assert "S-1" in acked.text
    assert (first_code, second_code) == (0, 0), first.log + second.log
    posts = [c for c in slack.calls("chat.postMessage") if c.params.get("channel") == f"D{ANNA}"]
    assert len(posts) == 1, f"{during_first} post(s) before the restart; calls: {slack.calls()}"
    assert posts[0].ok
    [row] = outbox_rows_to(database_url, ANNA)
    assert row.state == "sent"
    assert row.platform_message_id == f"D{ANNA}:{posts[0].response['ts']}"
