"""Generate N synthetic, schema-valid towns the size of examples/guangyang-2023.yaml: `python bench/synth.py N DIR`.

Each town is the 广阳镇 example with its own (made-up) names and numbers, so every report differs and rates stay
consistent with their counts.
"""

from __future__ import annotations

import copy
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASE = yaml.safe_load((ROOT / "examples" / "guangyang-2023.yaml").read_text(encoding="utf-8"))
SYLLABLES = "安宁和平兴华新昌盛丰泰永清河山东西南北中桥溪湖岭坪田塘林石竹梅兰松"
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _name(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(n))


def _vary(node, rng: random.Random):
    if isinstance(node, dict):
        if "count" in node:
            node["count"] = rng.randint(0, 500)
        if "of" in node:
            whole = rng.randint(1, 500)
            part = rng.randint(0, whole)
            node["of"] = [part, whole]
            node["rate"] = float((Decimal(part) * 100 / whole).quantize(Decimal("0.01"), ROUND_HALF_UP))
        elif "rate" in node:
            node["rate"] = round(rng.uniform(80, 100), 1)
        if "amount" in node:
            node["amount"] = round(rng.uniform(1, 999), 2)
        for value in node.values():
            _vary(value, rng)
    elif isinstance(node, list):
        for value in node:
            _vary(value, rng)


def town(i: int) -> dict:
    rng = random.Random(i)
    data = copy.deepcopy(BASE)
    county, name = _name(rng, 2) + "县", _name(rng, 2) + "镇"
    data["town"] = {"province": "示例省", "county": county, "name": name, "issuer": f"{county}{name}人民政府"}
    data["year"] = 2023 + i % 3
    _vary(data["measures"], rng)
    _vary(data["leaders"], rng)
    return data


def main(n: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    width = len(str(n))
    for i in range(n):
        text = yaml.dump(town(i), Dumper=Dumper, allow_unicode=True, sort_keys=False)
        (folder / f"town-{i:0{width}d}.yaml").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/synth.py N DIR")
    main(int(sys.argv[1]), Path(sys.argv[2]))
