#!/usr/bin/env python3
"""Writes Samples/every-violation.jsonl: a capture in the replay format that breaks every
governance rule, in one multi-agent conversation over a protocol-v4 gateway, with the MO§ES
ledger lines hashed exactly as audit_stub.py hashes them.

Run it again after changing the scenario; the golden test pins its verdicts."""
import hashlib
import json
import sys

CONVERSATION = "discord:group:4242"
BASE = 1_767_225_600_000  # 2026-01-01T00:00:00Z
records = []
ledger_tip = "0" * 64
frame_seq = 0
run_seq = {}


def at(seconds):
    return BASE + int(seconds * 1000)


def iso(ms):
    from datetime import datetime, timezone
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="microseconds")


def gateway(t, event, payload, with_seq=True):
    global frame_seq
    frame = {"type": "event", "event": event, "payload": payload}
    if with_seq:
        frame_seq += 1
        frame["seq"] = frame_seq
    records.append({"source": "gateway", "at": at(t), "data": frame})


def state(t, mode, posture, role="primary"):
    records.append({"source": "state", "at": at(t), "data": {"mode": mode, "posture": posture, "role": role}})


def ledger(t, agent, action, detail, tamper=False, mode="high-integrity", posture="defense"):
    global ledger_tip
    entry = {
        "timestamp": iso(at(t)), "agent": agent, "component": "moses-governance", "action": action,
        "detail": detail, "outcome": "logged", "mode": mode, "posture": posture, "role": "primary",
        "session_hash": None, "previous_hash": ledger_tip,
    }
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    entry["hash"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    ledger_tip = entry["hash"]
    if tamper:
        entry["detail"] = detail + " (edited afterwards)"
    records.append({"source": "ledger", "at": at(t) + 150, "data": entry})


def key(agent):
    return f"agent:{agent}:{CONVERSATION}"


def agent_event(t, agent, run, stream, data, with_seq=True):
    run_seq[run] = run_seq.get(run, 0) + 1
    gateway(t, "agent", {"runId": run, "seq": run_seq[run], "stream": stream, "ts": at(t),
                         "sessionKey": key(agent), "data": data}, with_seq)


def chat(t, agent, run, state_name, text):
    run_seq[run] = run_seq.get(run, 0) + 1
    message = {"role": "assistant", "content": [{"type": "text", "text": text}], "timestamp": at(t)}
    payload = {"runId": run, "sessionKey": key(agent), "agentId": agent, "seq": run_seq[run],
               "state": state_name, "message": message}
    if state_name == "delta":
        payload["deltaText"] = text[-12:]
    gateway(t, "chat", payload)


def turn(t, agent, run, text, audit=None, tools=(), exec_audit=False, heartbeat=False):
    """One agent run: lifecycle start, optional ledger append, tools, streamed text, final."""
    start = {"phase": "start", "startedAt": at(t)}
    run_seq[run] = 1
    payload = {"runId": run, "seq": 1, "stream": "lifecycle", "ts": at(t), "sessionKey": key(agent), "data": start}
    if heartbeat:
        payload["isHeartbeat"] = True
    gateway(t, "agent", payload)
    if audit:
        ledger(t + 0.2, agent, "respond", audit)
    if exec_audit:
        command = f"python3 ~/.openclaw/workspace/skills/moses-governance/scripts/audit_stub.py log --agent {agent} --action respond"
        agent_event(t + 0.3, agent, run, "tool", {"phase": "start", "name": "exec", "toolCallId": f"{run}-audit", "args": {"command": command}}, with_seq=False)
        gateway(t + 0.3, "session.tool", {"runId": run, "sessionKey": key(agent), "stream": "tool", "ts": at(t + 0.3),
                                           "data": {"phase": "start", "name": "exec", "toolCallId": f"{run}-audit", "args": {"command": command}}}, with_seq=False)
    for index, (name, args) in enumerate(tools):
        agent_event(t + 0.4, agent, run, "tool", {"phase": "start", "name": name, "toolCallId": f"{run}-t{index}", "args": args}, with_seq=False)
        agent_event(t + 0.45, agent, run, "tool", {"phase": "result", "name": name, "toolCallId": f"{run}-t{index}", "isError": False}, with_seq=False)
    words = text.split(" ")
    for count in range(1, len(words) + 1, 3):
        partial = " ".join(words[:count])
        agent_event(t + 0.5 + count * 0.01, agent, run, "assistant", {"text": partial, "delta": partial[-8:]})
        chat(t + 0.5 + count * 0.01, agent, run, "delta", partial)
    chat(t + 0.9, agent, run, "final", text)
    agent_event(t + 0.95, agent, run, "lifecycle", {"phase": "end", "startedAt": at(t), "endedAt": at(t + 0.95)})
    # The transcript commit arrives too, naming no run: the same response, not a second one.
    gateway(t + 0.96, "session.message", {"sessionKey": key(agent), "agentId": agent,
             "message": {"role": "assistant", "content": [{"type": "text", "text": text}]}}, with_seq=False)


state(0, "high-integrity", "defense")
gateway(0.5, "sessions.changed", {"ts": at(0.5), "sessionKey": key("primary"), "agentId": "primary", "reason": "created"})
gateway(0.6, "session.message", {"sessionKey": key("primary"), "message": {"role": "user", "content": "Why did checkout fail at 09:12? Primary, Secondary, Observer please."}}, with_seq=False)

# Cycle 1: clean.
turn(1, "primary", "run-p1", "Checkout failed at 09:12 when the payment gateway timed out, according to the status page.", audit="framing the outage")
turn(3, "secondary", "run-s1", "Extending that: the timeouts began right after the 09:10 config push, which shortened the client deadline.", audit="extending primary")
turn(5, "observer", "run-o1", "Flag: neither answer cites the config diff; please attach it.", exec_audit=True)
gateway(6, "tick", {"ts": at(6)})
turn(6.5, "observer", "run-hb", "HEARTBEAT_OK", heartbeat=True)

# Cycle 2: the Observer answers out of turn (sequence); the Secondary never logs (audit).
turn(8, "primary", "run-p2", "Proposed fix: restore the previous client deadline of 30 seconds.", audit="proposing a fix")
turn(10, "observer", "run-o2", "Flag: the fix has not been reviewed by Secondary yet.", audit="flagging order")
turn(12, "secondary", "run-s2", "Restoring 30 seconds works, but add a retry with jitter so a slow gateway does not cascade.")
turn(14, "observer", "run-o3", "Flag: retry budget not stated.", audit="flagging budget")

# Cycle 3: the Secondary repeats the Primary and the Observer acts (role).
turn(16, "primary", "run-p3", "The cache node ran out of memory after the deploy.", audit="diagnosing cache")
turn(18, "secondary", "run-s3", "The cache node ran out of memory after the deploy!", audit="agreeing")
turn(20, "observer", "run-o4", "Flag: memory graphs attached.", audit="flagging memory", tools=[("web_fetch", {"url": "https://grafana.example/d/cache"})])

# Cycle 4: unhedged certainty in high-integrity mode (mode).
turn(22, "primary", "run-p4", "This is definitely the root cause and nothing else matters.", audit="asserting cause")
turn(24, "secondary", "run-s4", "I would still check the eviction policy before closing this.", audit="hedging")
turn(26, "observer", "run-o5", "Flag: Primary states certainty without evidence.", audit="flagging certainty")

# Between cycles the operator switches to scout; the Primary then writes a file (posture).
state(27, "high-integrity", "scout")
turn(28, "primary", "run-p5", "I saved the runbook update to docs/runbook.md.", audit="updating runbook", tools=[("write", {"path": "docs/runbook.md"})])
turn(30, "secondary", "run-s5", "The runbook should also list the rollback command.", audit="reviewing runbook")
turn(32, "observer", "run-o6", "Flag: the write happened in scout posture.", audit="flagging write")

# Mid-cycle the mode changes under the agents' feet (drift).
turn(34, "primary", "run-p6", "Next step: measure the p99 latency of the payment client for a week.", audit="planning study")
state(35, "research", "scout")
turn(36, "secondary", "run-s6", "Agreed, and sample the retry counts alongside the latency.", audit="extending study")
turn(38, "observer", "run-o7", "Flag: no methodology section yet.", audit="flagging method")

# Someone edits a ledger line after it was written (ledger_integrity).
ledger(40, "coordinator", "note", "post-incident review scheduled", tamper=True)
gateway(48, "tick", {"ts": at(48)})

out = sys.argv[1] if len(sys.argv) > 1 else "Samples/every-violation.jsonl"
with open(out, "w") as f:
    for record in records:
        f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
print(f"{out}: {len(records)} records", file=sys.stderr)
