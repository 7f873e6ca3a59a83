"""``incident edit``: a member of staff changes the category or status of their own incident
from the command line, through the real program in a child process."""

from __future__ import annotations

from tests.conftest import Cli


def _opened(cli: Cli) -> str:
    opened = cli("--json", "incident", "new", "--title", "Posts about a pupil")
    assert opened.code == 0, opened.stderr
    return str(opened.json["id"])


def test_incident_edit_records_the_change_and_the_chain_still_verifies(
    initialised_cli: Cli,
) -> None:
    cli = initialised_cli
    incident = _opened(cli)

    edited = cli(
        "--json",
        "incident",
        "edit",
        incident,
        "--category",
        "cyberbullying-of-pupil",
        "--status",
        "under-review",
        "--reason",
        "The posts are about Łukasz in Year 9, not about me.",
    )

    assert edited.code == 0, edited.stderr
    assert edited.json["incident"]["category"] == "cyberbullying-of-pupil"
    assert edited.json["incident"]["status"] == "under-review"
    assert edited.json["entries"] == [2, 3]
    log = cli("--json", "log", incident).json["entries"]
    assert [(e["action"], e["details"]) for e in log[1:]] == [
        (
            "category_changed",
            {
                "from": "cyberbullying-of-staff",
                "to": "cyberbullying-of-pupil",
                "reason": "The posts are about Łukasz in Year 9, not about me.",
            },
        ),
        (
            "status_changed",
            {
                "from": "open",
                "to": "under-review",
                "reason": "The posts are about Łukasz in Year 9, not about me.",
            },
        ),
    ]
    # People read the change in words: in what the command says and in the log.
    human = cli("incident", "edit", incident, "--status", "closed", "--reason", "Resolved.")
    assert human.code == 0, human.stderr
    assert human.stdout.strip() == (
        f"{incident}: Status changed (custody entry 4). From Under review to Closed. "
        "Reason: Resolved."
    )
    printed_log = cli("log", incident).stdout
    assert "From Cyberbullying of a member of staff to Cyberbullying of a pupil." in printed_log
    verified = cli("--json", "verify", incident)
    assert verified.code == 0 and verified.json["ok"] is True, verified.stdout


def test_incident_edit_without_a_reason_exits_2_with_one_sentence(initialised_cli: Cli) -> None:
    cli = initialised_cli
    incident = _opened(cli)

    refused = cli("incident", "edit", incident, "--status", "closed")

    assert refused.code == 2
    assert refused.stdout == ""
    assert refused.stderr.strip() == (
        "harmonize-evidence: Give a reason for the change: the custody log keeps it with the "
        "old and the new value; nothing was changed."
    )
    assert len(cli("--json", "log", incident).json["entries"]) == 1


def test_incident_edit_of_a_closed_incident_or_to_the_same_value_exits_2_saying_why(
    initialised_cli: Cli,
) -> None:
    cli = initialised_cli
    incident = _opened(cli)

    same = cli(
        "--json", "incident", "edit", incident, "--category", "cyberbullying-of-staff",
        "--reason", "Checking.",
    )  # fmt: skip
    assert same.code == 2
    assert same.json == {
        "error": f"{incident} is already filed as cyberbullying of a member of staff; nothing "
        "was changed.",
        "code": 2,
    }
    assert cli("incident", "edit", incident, "--status", "closed", "--reason", "Done.").code == 0
    closed = cli("incident", "edit", incident, "--category", "other", "--reason", "Oops.")
    assert closed.code == 2
    assert f"{incident} is closed, so its category and status can no longer be changed" in (
        closed.stderr
    )


def test_a_record_without_an_image_says_its_urgency_and_category_in_words(
    initialised_cli: Cli,
) -> None:
    cli = initialised_cli
    incident = _opened(cli)

    recorded = cli(
        "record", incident, "--url", "https://www.tiktok.com/@someone/video/1",
        "--description", "A picture that could show a pupil",
    )  # fmt: skip

    assert recorded.code == 0, recorded.stderr
    assert "urgent-safeguarding" not in recorded.stdout
    assert (
        'The incident is marked "Urgent: a safeguarding concern for the lead at once" and '
        'filed as "Safeguarding concern".' in recorded.stdout
    )
    shown = cli("--json", "incident", "show", incident).json["incident"]
    assert shown["category"] == "safeguarding-concern"
