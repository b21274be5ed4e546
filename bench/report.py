"""Plain-text tables of a results JSON: one line per measurement, ratios to the Node reference."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _tag(row: dict) -> str:
    return "quiet" if row.get("quiet") else f"LOADED (load {row.get('load_before')})"


def fanout_line(row: dict) -> str:
    """One fan-out or scale-out measurement on one line."""
    who = row.get("target") or f"{row['processes']} procs + Redis"
    last = row["last_reader_ms"]
    return (
        f"{who:>16} {row['readers']:>6} readers: last reader p50 {_ms(last['p50'])} ms "
        f"max {_ms(last['max'])} ms | receipts p50 {_ms(row['latency_ms']['p50'])} "
        f"p99 {_ms(row['latency_ms']['p99'])} ms | missed {row['missed']} | server "
        f"{row['server_us_per_delivery']:.1f} µs/delivery "
        f"(net {row['server_us_per_delivery_net']:.1f}) | "
        f"{row['rss_per_reader_kib']:.1f} KiB/reader | generator "
        f"{row['generator_us_per_receipt']:.1f} µs/receipt | {_tag(row)}"
    )


def pages_line(row: dict) -> str:
    """One page-load measurement."""
    return (
        f"{row['page']:>5} {row['mode']:>4} from {row.get('served_by', 'Flask'):<6}: "
        f"{row['requests_per_s']:,.0f} req/s, "
        f"p99 {_ms(row['p99_ms'])} ms, statuses {row['statuses']} | {_tag(row)}"
    )


def post_line(row: dict) -> str:
    """One post-to-published measurement."""
    return (
        f"{row['reporters']:>3} reporter(s) x {row['rounds']} rounds: published p50 "
        f"{_ms(row['published_ms']['p50'])} p99 {_ms(row['published_ms']['p99'])} ms | "
        f"201 p99 {_ms(row['answered_ms']['p99'])} ms | {_tag(row)}"
    )


def catchup_line(row: dict) -> str:
    """One reconnect, storm or drop measurement."""
    if "server_ms_per_disconnect" in row:
        return (
            f"{row['target']:>9} {row['case']:>14}: server {row['server_ms_per_disconnect']:.3f}"
            f" ms CPU/disconnect | {_tag(row)}"
        )
    queries = row.get("queries_per_reconnect")
    q = "—" if queries is None else f"{queries:.2f}"
    if row.get("queries_median") is not None:
        q += f" (median {row['queries_median']:g})"
    line = (
        f"{row['target']:>9} {row['case']:>14}: caught up p50 {_ms(row['caught_up_ms']['p50'])}"
        f" p99 {_ms(row['caught_up_ms']['p99'])} ms | queries/reconnect {q} | server "
        f"{_ms(row.get('server_ms_per_reconnect'))} ms CPU/reconnect | {_tag(row)}"
    )
    phases = row.get("phases_ms")
    if phases:
        steps = ", ".join(f"{name} {_ms(spread['p50'])}" for name, spread in phases.items())
        line += f"\n{'':>26}p50 of each step: {steps} ms"
    return line


def ratios(rows: list[dict]) -> list[str]:
    """Showfloor over Node per reader count: last-reader latency and CPU per delivery."""
    lines = []
    for r in rows:
        r.setdefault("requested_readers", r["readers"])
    for readers in sorted({r["requested_readers"] for r in rows}):
        pick = {
            t: [r for r in rows if r["requested_readers"] == readers and r["target"] == t]
            for t in ("node", "showfloor")
        }
        if not pick["node"] or not pick["showfloor"]:
            continue
        lat = {t: statistics.median(r["last_reader_ms"]["p50"] for r in v) for t, v in pick.items()}
        cpu = {
            t: statistics.median(r["server_us_per_delivery"] for r in v) for t, v in pick.items()
        }
        lines.append(
            f"{readers:>6} readers: last-reader latency ratio {lat['showfloor'] / lat['node']:.2f}"
            f" ({_ms(lat['showfloor'])} / {_ms(lat['node'])} ms), CPU per delivery ratio "
            f"{cpu['showfloor'] / cpu['node']:.2f} ({cpu['showfloor']:.1f} / {cpu['node']:.1f} µs)"
        )
    return lines


def tables(results: dict) -> str:
    """Every measurement of a run as text, with the ratios to Node."""
    parts = results["parts"]
    out = [f"machine: {results['machine']['nproc']} cores, {results['machine']['cpu_model']}"]
    for name, line in (
        ("fanout", fanout_line),
        ("scaleout", fanout_line),
        ("pages", pages_line),
        ("post", post_line),
        ("catchup", catchup_line),
    ):
        if parts.get(name):
            out.append(f"-- {name}")
            out += [line(row) for row in parts[name]]
    if parts.get("fanout"):
        out.append("-- ratios (Showfloor / Node; ≤ 1.0 meets the target)")
        out += ratios(parts["fanout"])
    return "\n".join(out)


def _md(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _state(row: dict) -> str:
    if row.get("quiet"):
        return "quiet"
    load = f"load {row['load_before']:.1f}"
    if row.get("foreign_cpu_share") is None:
        return f"under load ({load})"
    return f"under load ({load}; others {row['foreign_cpu_share']:.0%} of CPU)"


def _followers(row: dict) -> str:
    """Readers that followed, and how many were asked for when some failed to connect."""
    asked = row.get("requested_readers", row["readers"])
    return f"{row['readers']:,}" + (f" of {asked:,}" if asked != row["readers"] else "")


def markdown_fanout(rows: list[dict]) -> str:
    """Fan-out or scale-out rows as a Markdown table for docs/performance.md."""
    header = [
        "server",
        "readers",
        "last reader p50 / max ms",
        "receipts p50 / p99 ms",
        "missed",
        "µs CPU/delivery (net)",
        "KiB/reader",
        "gen µs/receipt",
        "measured",
    ]
    body = []
    for r in rows:
        who = r.get("target") or f"{r['processes']} × Showfloor + Redis"
        last, lat = r["last_reader_ms"], r["latency_ms"]
        body.append(
            [
                who,
                _followers(r),
                f"{_ms(last['p50'])} / {_ms(last['max'])}",
                f"{_ms(lat['p50'])} / {_ms(lat['p99'])}",
                r["missed"],
                f"{r['server_us_per_delivery']:.1f} ({r['server_us_per_delivery_net']:.1f})",
                f"{r['rss_per_reader_kib']:.1f}",
                f"{r['generator_us_per_receipt']:.1f}",
                _state(r),
            ]
        )
    return _md(header, body)


def markdown_other(part: str, rows: list[dict]) -> str:
    """Pages, post or catch-up rows as a Markdown table."""
    if part == "pages":
        header = [
            "page",
            "request",
            "answered from",
            "req/s",
            "p50 ms",
            "p99 ms",
            "status",
            "server ms CPU/request",
            "req/s per own core (from CPU)",
            "measured",
        ]
        body = [
            [
                r["page"],
                r["mode"],
                # Runs before the page cache went through Flask every time.
                r.get("served_by", "Flask"),
                f"{r['requests_per_s']:,.0f}",
                _ms(r["p50_ms"]),
                _ms(r["p99_ms"]),
                r["probe_status"],
                _ms(r.get("server_ms_per_request")),
                f"{r['per_core_estimate']:,.0f}" if r.get("per_core_estimate") else "—",
                _state(r),
            ]
            for r in rows
        ]
    elif part == "post":
        header = [
            "reporters at once",
            "posts",
            "published p50 / p99 ms",
            "201 p50 / p99 ms",
            "missed",
            "measured",
        ]
        body = [
            [
                r["reporters"],
                r["posts"],
                f"{_ms(r['published_ms']['p50'])} / {_ms(r['published_ms']['p99'])}",
                f"{_ms(r['answered_ms']['p50'])} / {_ms(r['answered_ms']['p99'])}",
                r["missed"],
                _state(r),
            ]
            for r in rows
        ]
    else:
        header = [
            "server",
            "case",
            "caught up p50 / p99 ms",
            "queries/reconnect",
            "ms CPU/reconnect",
            "measured",
        ]
        body = [
            [
                r["target"],
                r["case"],
                f"{_ms(r['caught_up_ms']['p50'])} / {_ms(r['caught_up_ms']['p99'])}",
                "—"
                if r.get("queries_per_reconnect") is None
                else f"{r['queries_per_reconnect']:.2f}",
                _ms(r.get("server_ms_per_reconnect")),
                _state(r),
            ]
            for r in rows
        ]
    return _md(header, body)


def markdown(results: dict) -> str:
    """Every part of a results JSON as Markdown tables."""
    out = []
    for part, rows in results["parts"].items():
        out.append(f"**{part}**\n")
        if part in ("fanout", "scaleout"):
            out.append(markdown_fanout(rows))
        else:
            out.append(markdown_other(part, rows))
        if part == "fanout":
            out.append("\n" + "\n".join("- " + line.strip() for line in ratios(rows)))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    data = json.loads(Path(sys.argv[-1]).read_text())
    print(markdown(data) if "--markdown" in sys.argv else tables(data))
