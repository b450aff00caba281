"""``mention``: import, list, assign, reply, set-aside (inbound mentions of an incident)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import Registry, signed_in


def _line(m: Any) -> str:
    who = f" -> {m.assigned_to}" if m.assigned_to else ""
    aside = f" ({m.set_aside_reason})" if m.set_aside_reason else ""
    reply = f" reply: message {m.reply_message_id}" if m.reply_message_id else ""
    text = " ".join(m.text.split())
    text = text if len(text) <= 100 else text[:99] + "…"
    return (f"mention {m.id} [{m.state.value}{who}{aside}] {m.priority:.1f} {m.channel} "
            f"{m.author}: {text}{reply}")


def _mention_import(a: argparse.Namespace, svc: Any) -> Any:
    actor = signed_in(svc, a.as_) if a.as_ else None
    r = svc.mentions.import_file(a.incident, Path(a.file), actor)
    print(f"{r.source}: {r.rows} mentions read, {r.stored} stored, {r.duplicates} already "
          f"stored (duplicates), {r.confirmed} confirmed by our score snapshots")
    return r


def _mention_list(a: argparse.Namespace, svc: Any) -> Any:
    rows = svc.mentions.list(a.incident, a.state, limit=a.limit)
    for m in rows:
        print(_line(m))
        print(f"    {'; '.join(m.reasons)}")
    return rows


def _mention_assign(a: argparse.Namespace, svc: Any) -> Any:
    m = svc.mentions.assign(a.id, a.name, signed_in(svc, a.as_))
    print(_line(m))
    return m


def _mention_reply(a: argparse.Namespace, svc: Any) -> Any:
    r = svc.mentions.reply(a.id, a.body, signed_in(svc, a.as_))
    print(f"message {r.message.id} [{r.message.state.value}] direct_reply drafted for mention "
          f"{r.mention.id}; it is answered once the reply is approved and published")
    return r


def _mention_set_aside(a: argparse.Namespace, svc: Any) -> Any:
    m = svc.mentions.set_aside(a.id, a.reason, signed_in(svc, a.as_))
    print(_line(m))
    return m


def register(r: Registry) -> None:
    cmd, as_ = r.cmd, r.as_
    g = r.group("mention")
    sp = cmd(g, "import", _mention_import,
             "import CSV channel,author,reach,text,at[,link][,profile_id] or NDJSON, same keys")
    sp.add_argument("file")
    sp.add_argument("--incident", type=int, required=True)
    as_(sp, required=False)
    sp = cmd(g, "list", _mention_list, "ranked: biggest and angriest first, with the reasons")
    sp.add_argument("incident", type=int)
    sp.add_argument("--state", help="new, assigned, answered, set_aside, or open (new and "
                                    "assigned); default: all")
    sp.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    sp = cmd(g, "assign", _mention_assign, "assign a mention to a person")
    sp.add_argument("id", type=int)
    sp.add_argument("name", help="the person (a contact) who answers it")
    as_(sp)
    sp = cmd(g, "reply", _mention_reply, "draft a direct_reply on the normal approval path")
    sp.add_argument("id", type=int)
    sp.add_argument("--body", required=True)
    as_(sp)
    sp = cmd(g, "set-aside", _mention_set_aside, "set a mention aside with a reason")
    sp.add_argument("id", type=int)
    sp.add_argument("--reason", required=True)
    as_(sp)
