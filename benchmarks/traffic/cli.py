"""`cebsim generate` and `cebsim replay`: thin click commands over `generator` and `replay`.

The heavy imports happen inside the commands (`# noqa: PLC0415`), so `cebsim --help` stays fast.

`cebsim replay` exits 0 when the run went as the manifest says, 1 when it did not (unexpected
outcomes, transport errors or nothing accepted: the report is printed and written all the same)
or could not start, 2 for bad usage.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

DIRECTORY = click.Path(file_okay=False, path_type=Path)


@click.command()
@click.option("--parcels", type=click.IntRange(min=1), required=True, help="How many parcels.")
@click.option("--seed", type=int, required=True, help="Same seed and options: the same bytes.")
@click.option("--out", type=DIRECTORY, required=True, help="Output directory.")
@click.option("--flow", type=click.Choice(["import", "export", "mixed"]), default="import", show_default=True)
@click.option("--format", "form", type=click.Choice(["xml", "jsonl"]), default="xml", show_default=True)
@click.option("--docs-per-message", type=click.IntRange(1, 100), default=1, show_default=True)
@click.option(
    "--start", default="2025-11-11T00:00:00+08:00", show_default=True, help="Business time of parcel 0."
)
@click.option(
    "--sign/--no-sign", default=True, show_default=True, help="XML-DSig every message (CEB621 needs it)."
)
@click.option(
    "--sign-required-only",
    is_flag=True,
    help="Sign only the types whose schema requires ds:Signature (CEB621/623/625/711): valid traffic "
    "that is much cheaper to make, for a simulator run with signatures optional.",
)
@click.option("--key-kinds", type=click.Choice(["rsa", "sm2", "mixed"]), default="mixed", show_default=True)
@click.option(
    "--export-share", type=click.FloatRange(0, 1), default=0.5, show_default=True, help="With --flow mixed."
)
@click.option("--parties", "party_counts", default="2,3,2,2,2", show_default=True,
              help="Five positive counts: platforms,e-commerce,payment,logistics,agents.")  # fmt: skip
@click.option(
    "--mismatch", multiple=True, metavar="RULE=RATE", help="Per matching rule id, e.g. weights=0.01."
)
@click.option("--over-annual", type=click.FloatRange(0, 1), default=0.0, help="Rate; expected -621018.")
@click.option("--over-single", type=click.FloatRange(0, 1), default=0.0, help="Rate; expected -621005.")
@click.option("--off-list", type=click.FloatRange(0, 1), default=0.0, help="Rate; expected 100.")
@click.option(
    "--inspection", type=click.FloatRange(0, 1), default=0.0, help="Rate; expected 899 (no rule yet)."
)
@click.option("--duplicates", type=click.FloatRange(0, 1), default=0.0, help="Rate of resent messages.")
@click.option("--modifications", type=click.FloatRange(0, 1), default=0.0, help="Rate of appType=2 orders.")
@click.option("--out-of-order", type=click.FloatRange(0, 1), default=0.0, help="Rate of shuffled arrival.")
@click.option("--overwrite", is_flag=True,
              help="Into a non-empty --out: remove the traffic, manifest, parties and identities an "
              "earlier generate wrote there first (without it a non-empty --out is refused).")  # fmt: skip
def generate(**given: Any) -> None:
    """Generate seeded, deterministic CEB traffic, its manifest and parties.json.

    \b
    cebsim generate --parcels 10000 --seed 1 --out var/traffic --format jsonl \\
        --mismatch actural_paid_amount=0.01 --over-annual 0.005 --duplicates 0.01
    """
    from dataclasses import asdict  # noqa: PLC0415

    from benchmarks.traffic.generator import generate as run  # noqa: PLC0415
    from benchmarks.traffic.output import clear_earlier  # noqa: PLC0415
    from benchmarks.traffic.progress import GenerateProgress  # noqa: PLC0415

    try:
        config = _config(given)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    out: Path = given["out"]
    if out.is_dir() and any(out.iterdir()):
        if not given["overwrite"]:
            raise click.UsageError(f"--out {out} is not empty: give --overwrite to replace its traffic")
        clear_earlier(out)
    with GenerateProgress(config.parcels, signed=config.sign) as progress:
        summary = run(config, given["out"], progress.update)
    click.echo(json.dumps({"out": str(given["out"])} | asdict(summary)))


def _config(given: dict[str, Any]) -> Any:
    from dataclasses import fields  # noqa: PLC0415

    from benchmarks.traffic.config import (  # noqa: PLC0415
        Flow,
        GenerateConfig,
        OutputFormat,
        PartyCounts,
        Rates,
        parse_rate_pairs,
    )

    counts = PartyCounts(*_party_counts(given["party_counts"], len(fields(PartyCounts))))
    knobs = (
        "over_annual",
        "over_single",
        "off_list",
        "inspection",
        "duplicates",
        "modifications",
        "out_of_order",
    )
    rates = Rates(parse_rate_pairs(given["mismatch"]), **{knob: given[knob] for knob in knobs})
    return GenerateConfig(
        parcels=given["parcels"],
        seed=given["seed"],
        flow=Flow(given["flow"]),
        output=OutputFormat(given["form"]),
        docs_per_message=given["docs_per_message"],
        start=datetime.fromisoformat(given["start"]),
        sign=given["sign"] or given["sign_required_only"],
        sign_only_required=given["sign_required_only"],
        export_share=given["export_share"],
        key_kinds=given["key_kinds"],
        parties=counts,
        rates=rates,
    )


def _party_counts(text: str, expected: int) -> list[int]:
    """`--parties 2,3,2,2,2`: exactly `expected` positive whole numbers, else ValueError."""
    values = [value.strip() for value in text.split(",")]
    if len(values) != expected or not all(v.isascii() and v.isdigit() and int(v) > 0 for v in values):
        raise ValueError(
            f"--parties takes {expected} positive whole numbers (platforms,e-commerce,payment,"
            f"logistics,agents), like 2,3,2,2,2, not {text!r}"
        )
    return [int(value) for value in values]


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--target", required=True, help="The simulator's base URL, e.g. http://127.0.0.1:8000.")
@click.option(
    "--rate", type=click.FloatRange(min=0.001), default=100.0, show_default=True, help="Messages/s."
)
@click.option(
    "--ramp", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Seconds to full rate."
)
@click.option("--duration", type=click.FloatRange(min=0), default=None, help="Stop sending after S seconds.")
@click.option("--parcels", type=click.IntRange(min=1), default=None, help="Send the first N parcels only.")
@click.option("--concurrency", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--receipts", type=click.Choice(["long-poll", "poll", "webhook", "none"]), default="long-poll",
              show_default=True, help="Follow receipts with long polls (GET /ceb/receipts?wait=1), "
              "plain polls every 0.1 s, webhooks (registered per sender with POST /api/webhooks, "
              "removed at the end), or not at all.")  # fmt: skip
@click.option("--webhook-listen", default="127.0.0.1:0", show_default=True, metavar="HOST:PORT",
              help="With --receipts webhook: where the receiver listens; the simulator must reach "
              "http://HOST:PORT (0: a free port).")  # fmt: skip
@click.option("--drain", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="Seconds to wait for outstanding receipts after the last send.")  # fmt: skip
@click.option("--parties", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="parties.json with the senders' API keys (default: DIRECTORY/parties.json).")  # fmt: skip
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None, help="JSON report.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), default=None, help="HTML report.")
def replay(**given: Any) -> None:
    """Replay a directory open-loop at a target rate, follow receipts, check outcomes, report.

    \b
    cebsim replay var/traffic --target http://127.0.0.1:8000 --rate 400 --ramp 5 --parcels 2000 \\
        --report var/replay.json --html var/replay.html

    Exit status: 0 as expected; 1 unexpected outcomes, transport errors or nothing accepted (the
    report is still printed and written), or the simulator refused the webhooks; 2 bad usage.
    """
    from benchmarks.traffic.engine import ReplayOptions  # noqa: PLC0415
    from benchmarks.traffic.replay import run_replay  # noqa: PLC0415
    from benchmarks.traffic.webhooks import WebhookError  # noqa: PLC0415

    options = ReplayOptions(
        rate=given["rate"],
        ramp_s=given["ramp"],
        duration_s=given["duration"],
        parcels=given["parcels"],
        concurrency=given["concurrency"],
        follow_receipts=given["receipts"] != "none",
        long_poll_s=1.0 if given["receipts"] == "long-poll" else 0.0,
        drain_s=given["drain"],
        pushed=given["receipts"] == "webhook",
    )
    _check_replay_paths(given)
    outputs = {"parties": given["parties"], "report": given["report"], "html": given["html"]}
    outputs |= {"webhook_listen": given["webhook_listen"]}
    try:
        figures = run_replay(given["directory"], given["target"], options, **outputs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    except WebhookError as exc:
        raise click.ClickException(str(exc)) from exc
    keys = ["parcels", "messages", "accepted", "rejected_by_code", "terminal", "outstanding"]
    keys += [
        "unexpected_outcomes",
        "throughput_parcels_per_s",
        "acceptance_latency_ms",
        "clearance_latency_ms",
    ]
    click.echo(json.dumps({key: figures[key] for key in keys}, ensure_ascii=False))
    problems = replay_problems(figures)
    if problems:
        click.echo(f"cebsim replay: {'; '.join(problems)}", err=True)
        raise SystemExit(1)


def _check_replay_paths(given: dict[str, Any]) -> None:
    """Refuse up front what would only fail after the replay has run (or with a traceback)."""
    directory, parties = given["directory"], given["parties"]
    if parties is None and not (directory / "parties.json").is_file():
        raise click.UsageError(
            f"{directory} has no parties.json (the senders' API keys): give --parties FILE"
        )
    for option in ("report", "html"):
        path = given[option]
        if path is not None and not path.parent.is_dir():
            raise click.UsageError(f"--{option} {path}: the directory {path.parent} does not exist")


def replay_problems(figures: dict[str, Any]) -> list[str]:
    """Why a finished replay did not go as expected, one phrase per reason; empty when it did."""
    problems = []
    unexpected = figures["unexpected_outcomes"]["count"]
    if unexpected:
        problems.append(f"{unexpected} parcels did not end as the manifest expects")
    transport = sum(n for code, n in figures["rejected_by_code"].items() if code.startswith("transport:"))
    if transport:
        problems.append(f"{transport} messages got no answer (transport errors)")
    if not figures["accepted"]:
        problems.append("no message was accepted")
    return problems
