"""``policyqa match profile.yaml [--json] [--all]``: the measures a company can claim.

Reads the documents and the rules only: no embedding model, no index.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from corpus.errors import InputError
from corpus.settings import Settings

__all__ = ["add_match_parser", "cmd_match", "run_match"]


def add_match_parser(sub: Any) -> None:
    m = sub.add_parser("match", help="政策体检: every measure a company's profile can claim, with amounts (no model needed)")
    m.add_argument("profile", help="a YAML or JSON profile: city, district, types, figures, loans … (see README)")
    m.add_argument("--json", action="store_true", help="the Answer JSON with the grouped measures under 'match'")
    m.add_argument("--all", action="store_true", help="also list the measures the company does not qualify for (不符合)")


def run_match(settings: Settings, data: Any, *, include_ineligible: bool = False, question: str = "") -> dict[str, Any]:
    """The match of a profile given as data, as the Answer JSON plus ``match`` and ``profile``."""
    from assistant.match.service import matcher_for

    return matcher_for(settings).run(data, include_ineligible=include_ineligible, question=question)


def cmd_match(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.profile)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise InputError(f"cannot read the profile {str(path)!r}: {e}; give a YAML or JSON file") from e
    out = run_match(settings, data, include_ineligible=args.all)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(out["answer"])
    return 0
