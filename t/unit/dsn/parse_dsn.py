#!/usr/bin/env python3
"""Checks a notice written by libmail/dsn with Python's own MIME parser, an
implementation independent of ours (called by t/unit/dsn/dsn_test.cc).

usage: parse_dsn.py FILE RETURNED-TYPE KEY=VALUE...
FILE is the notice's content (LF line ends). RETURNED-TYPE is the expected
type of the third part. Each KEY=VALUE is a field expected in the first
per-recipient block of the delivery-status part, or, written
message:KEY=VALUE, in its per-message block. Exit 0 when all hold."""
import email
import email.policy
import sys


def fail(msg):
    print("parse_dsn.py: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) < 3:
        fail("usage: parse_dsn.py FILE RETURNED-TYPE KEY=VALUE...")
    with open(sys.argv[1], "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    if msg.get_content_type() != "multipart/report":
        fail("content type is " + msg.get_content_type())
    if msg.get_param("report-type") != "delivery-status":
        fail("report-type is %r" % msg.get_param("report-type"))
    if msg.defects:
        fail("defects: %r" % msg.defects)
    parts = msg.get_payload()
    if not isinstance(parts, list) or len(parts) != 3:
        fail("expected 3 parts, got %r" % (len(parts) if isinstance(parts, list) else parts))
    if parts[0].get_content_type() != "text/plain":
        fail("part 1 is " + parts[0].get_content_type())
    if "This is the mail system at host" not in parts[0].get_content():
        fail("part 1 lacks the explanation")
    status_type = parts[1].get_content_type()
    if status_type not in ("message/delivery-status", "message/global-delivery-status"):
        fail("part 2 is " + status_type)
    blocks = parts[1].get_payload()
    if status_type == "message/global-delivery-status":
        # Python parses only message/delivery-status into blocks (it takes
        # other message/* types for one encapsulated message): split the raw
        # body of the part here, as RFC 6533 6.2 reads it.
        raw = parts[1].as_bytes(policy=email.policy.default)
        body = raw.split(b"\n\n", 1)[1].decode("utf-8")
        blocks = [email.message_from_string(b + "\n", policy=email.policy.default)
                  for b in body.strip("\n").split("\n\n")]
    if not isinstance(blocks, list) or len(blocks) < 2:
        fail("delivery-status has no per-recipient block")
    for want in sys.argv[3:]:
        block = blocks[1]
        if want.startswith("message:"):
            block, want = blocks[0], want[len("message:"):]
        key, _, value = want.partition("=")
        got = block.get(key)
        if got is None or str(got).strip() != value:
            fail("field %s is %r, expected %r" % (key, got, value))
    if parts[2].get_content_type() != sys.argv[2]:
        fail("part 3 is %s, expected %s" % (parts[2].get_content_type(), sys.argv[2]))
    for part in msg.walk():
        if part.defects:
            fail("defects in %s: %r" % (part.get_content_type(), part.defects))
    return 0


if __name__ == "__main__":
    sys.exit(main())
