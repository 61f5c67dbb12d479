"""Model cards: ``model.json`` (read by ecgd) and ``README.md`` (read by people)."""
import json

from .evaluation import figures


def write_card(directory, card):
    (directory / "model.json").write_text(json.dumps(card, indent=2) + "\n")


def confusion_markdown(classes, counts):
    header = "| reference \\ predicted | " + " | ".join(classes) + " | missed |"
    lines = [header, "|" + "---|" * (len(classes) + 2)]
    for r, row in enumerate(counts):
        name = classes[r] if r < len(classes) else "(no reference beat)"
        lines.append(f"| {name} | " + " | ".join(str(int(v)) for v in row) + " |")
    return "\n".join(lines)


def figures_markdown(classes, counts, targets):
    lines = ["| class | reference beats | Se % | +P % | F1 % | target |", "|---|---|---|---|---|---|"]
    for name, f in figures(classes, counts).items():
        def show(x):
            return "-" if x is None else f"{x:.2f}"
        lines.append(f"| {name} | {f['reference']} | {show(f['sensitivity'])} | {show(f['positivePredictivity'])} | "
                     f"{show(f['f1'])} | {targets.get(name, '')} |")
    return "\n".join(lines)


def training_data_markdown(classes, per_record):
    lines = ["| record | " + " | ".join(classes) + " |", "|" + "---|" * (len(classes) + 1)]
    totals = [0] * len(classes)
    for record, counts in per_record.items():
        lines.append(f"| {record} | " + " | ".join(str(c) for c in counts) + " |")
        totals = [t + c for t, c in zip(totals, counts)]
    lines.append("| **all** | " + " | ".join(f"**{t}**" for t in totals) + " |")
    return "\n".join(lines)
