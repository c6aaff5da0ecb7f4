"""``minions models``: the models the configured local runtime offers."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from core.services import Services


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "models",
        help="list the local runtime's models",
        description="List the models of the configured local runtime (Ollama by default).",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON list")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    models = asyncio.run(_list())
    if args.json:
        print(json.dumps(models, indent=2))
    elif not models:
        print("No local models installed.")
    else:
        for model in models:
            size = f"{model['size_bytes'] / 1e9:.1f} GB" if model["size_bytes"] else ""
            print(f"{model['name']}\t{size}\t{model['runtime']}".rstrip())
    return 0


async def _list() -> list[dict[str, Any]]:
    services = Services()
    try:
        client = (await services.local_client()).client
        return [
            {
                "name": m.name,
                "size_bytes": m.size_bytes,
                "context_length": m.context_length,
                "runtime": client.endpoint,
            }
            for m in await client.list_models()
        ]
    finally:
        await services.aclose()
