"""DKIM interoperability (issue #6): `tern dkim sign` output checked by two
independent verifiers, dkimpy (python3-dkim, keys through its dnsfunc) and
OpenDKIM's opendkim-testmsg; dkimpy-signed messages checked by `tern dkim
verify --zone`; and the result and reason of each way a signature fails.

opendkim-testmsg has no option for a key file: libopendkim asks the
resolv.conf nameservers. The test runs it in private mount and network
namespaces (unshare -m -n, as root) where /etc/resolv.conf is bind-mounted
to "nameserver 127.0.0.1" and a small DNS responder in this file serves the
test keys on 127.0.0.1:53. Without root or unshare those tests are skipped,
saying why.
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

BUILD = os.environ.get("TERN_BUILDDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
TERN = os.path.join(BUILD, "bin", "tern")
TIMEOUT = 60

MESSAGE = (
    "From: Alice <alice@example.com>\n"
    "To: Bob <bob@example.net>\n"
    "Subject: DKIM interop\n"
    "Date: Mon, 07 Dec 2026 05:00:00 +0000\n"
    "Message-ID: <interop-1@example.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hello Bob,\n"
    "\n"
    "  some  spaced\ttext   \n"
    "a line with a bare \r in it\n"
    "\n"
    "\n"
)

# libopendkim canonicalizes a CR that is not part of CRLF differently from
# RFC 6376 as dkimpy and Tern read it ("Bad signature" or "dkim_chunk():
# Syntax error" even for dkimpy's own signatures), so OpenDKIM gets the
# message without that line.
MESSAGE_NO_BARE_CR = MESSAGE.replace("a line with a bare \r in it\n", "")

try:
    import dkim  # python3-dkim
    import nacl.signing  # python3-nacl, for ed25519
    HAVE_DKIMPY = True
except ImportError:  # pragma: no cover - reported by skipUnless
    HAVE_DKIMPY = False


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def parse_zone(text):
    """name -> [TXT record] from the zone lines `tern dkim keygen` writes."""
    out = {}
    for entry in text.split(")\n"):
        if "IN TXT" not in entry:
            continue
        name = entry.split()[0].rstrip(".").lower()
        strings = entry.split("IN TXT", 1)[1].split('"')[1::2]
        out.setdefault(name, []).append("".join(strings))
    return out


def zone_text(records):
    """An RFC 1035 master file of TXT records, strings of at most 255 octets."""
    lines = []
    for name, values in records.items():
        for v in values:
            parts = " ".join('"%s"' % v[i:i + 255] for i in range(0, len(v), 255)) if v else '""'
            lines.append("%s. 300 IN TXT ( %s )" % (name, parts))
    return "\n".join(lines) + "\n"


# --- a DNS responder for opendkim-testmsg (runs inside the namespaces) ---

def dns_reply(query, records):
    ident, flags, qd = struct.unpack("!HHH", query[:6])
    pos, labels = 12, []
    while query[pos]:
        n = query[pos]
        labels.append(query[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += n + 1
    qtype, = struct.unpack("!H", query[pos + 1:pos + 3])
    question = query[12:pos + 5]
    name = ".".join(labels).lower()
    answers = records.get(name, []) if qtype == 16 else []
    rcode = 0 if name in records else 3
    body = b""
    for txt in answers:
        data = txt.encode()
        rdata = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, max(len(data), 1), 255))
        body += b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 300, len(rdata)) + rdata
    header = struct.pack("!HHHHHH", ident, 0x8180 | rcode, 1, len(answers), 0, 0)
    return header + question + body


def netns_child(records_file, message_file):
    """Inside unshare -m -n: serve records on 127.0.0.1:53, run opendkim-testmsg."""
    with open(records_file) as f:
        records = json.load(f)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    rc = tempfile.NamedTemporaryFile("w", delete=False)
    rc.write("nameserver 127.0.0.1\noptions timeout:2 attempts:1\n")
    rc.close()
    subprocess.run(["mount", "--bind", rc.name, "/etc/resolv.conf"], check=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # refuse TCP fallback quickly
    tcp.bind(("127.0.0.1", 53))

    def serve():
        while True:
            q, peer = sock.recvfrom(4096)
            sock.sendto(dns_reply(q, records), peer)

    threading.Thread(target=serve, daemon=True).start()
    with open(message_file, "rb") as m:
        p = subprocess.run(["opendkim-testmsg"], stdin=m, capture_output=True, timeout=TIMEOUT)
    sys.stdout.write(json.dumps({"rc": p.returncode, "out": p.stdout.decode(errors="replace"),
                                 "err": p.stderr.decode(errors="replace")}))
    return 0


def can_use_netns():
    if os.geteuid() != 0:
        return "needs root for unshare -m -n"
    for tool in ("unshare", "ip", "mount", "opendkim-testmsg"):
        if shutil.which(tool) is None:
            return "%s not installed" % tool
    p = subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True)
    if p.returncode != 0:
        return "unshare -m -n refused: " + p.stderr.decode(errors="replace").strip()
    return None


NETNS_PROBLEM = can_use_netns()


class DkimInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tern-dkim-")
        cls.conf = os.path.join(cls.dir, "etc")
        os.makedirs(cls.conf)
        open(os.path.join(cls.conf, "main.cf"), "w").close()
        cls.records = {}
        cls.keygen_out = {}
        for sel, typ in (("r1", "rsa"), ("e1", "ed25519")):
            p = cls.tern("dkim", "keygen", "example.com", "--selector", sel, "--type", typ)
            cls.keygen_out[sel] = p.stdout
            for name, values in parse_zone(p.stdout).items():
                cls.records.setdefault(name, []).extend(values)
        cls.msg_path = cls.write("message.eml", MESSAGE)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def tern(cls, *args, input=None, check=True, text=True):
        p = subprocess.run([TERN, "-c", cls.conf] + list(args), input=input, capture_output=True,
                           timeout=TIMEOUT, text=text)
        if check and p.returncode != 0:
            raise AssertionError("tern %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
        return p

    @classmethod
    def write(cls, name, text, mode="w"):
        path = os.path.join(cls.dir, name)
        with open(path, mode) as f:
            f.write(text)
        return path

    def tern_sign(self, *key_args, message=MESSAGE):
        """The signed message as bytes (text mode would turn the bare CR into a line end)."""
        path = self.write("to-sign.eml", message)
        return self.tern("dkim", "sign", *key_args, path, text=False).stdout

    def tern_verify(self, message, records):
        if isinstance(message, str):
            message = message.encode()
        mpath = self.write("to-verify.eml", message, "wb")
        zpath = self.write("verify.zone", zone_text(records))
        p = self.tern("dkim", "verify", "--zone", zpath, mpath, check=False)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return p.stdout.strip().splitlines()

    def dnsfunc(self, records):
        def get(name, timeout=5):
            name = name.decode().rstrip(".").lower()
            values = records.get(name)
            return values[0].encode() if values else None
        return get

    def dkimpy_verify_all(self, signed, records):
        d = dkim.DKIM(signed.replace(b"\n", b"\r\n"), minkey=1024)
        count = sum(1 for n, _ in d.headers if n.lower() == b"dkim-signature")
        return [self.dkimpy_verify_one(d, i, records) for i in range(count)]

    def dkimpy_verify_one(self, d, idx, records):
        """dkimpy's verdict; it raises for some failures instead of returning False."""
        try:
            return d.verify(idx=idx, dnsfunc=self.dnsfunc(records))
        except dkim.DKIMException:
            return False

    def opendkim_verify(self, signed, records):
        rpath = self.write("records.json", json.dumps(records))
        mpath = self.write("opendkim.eml", signed.replace(b"\n", b"\r\n"), "wb")
        p = subprocess.run(["unshare", "-m", "-n", sys.executable, os.path.abspath(__file__), "--netns-child",
                            rpath, mpath], capture_output=True, timeout=TIMEOUT, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    # --- keygen ---

    def test_keygen_writes_key_and_record(self):
        key = os.path.join(self.conf, "dkim", "example.com", "r1.key")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        if os.geteuid() == 0:
            import pwd
            try:
                owner = pwd.getpwnam("tern")  # mail_owner's default
            except KeyError:
                owner = None
            if owner is not None:  # smtpd and pickup sign as mail_owner: it must read the key
                self.assertEqual(os.stat(key).st_uid, owner.pw_uid)
        out = self.keygen_out["r1"]
        self.assertTrue(out.startswith('r1._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; "'), out)
        for s in out.split('"')[1::2]:
            self.assertLessEqual(len(s), 255)
        with open(os.path.join(self.conf, "dkim", "example.com", "r1.txt")) as f:
            self.assertEqual(f.read(), out)
        self.assertIn("k=ed25519; ", self.keygen_out["e1"])
        again = self.tern("dkim", "keygen", "example.com", "--selector", "r1", check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("exists", again.stderr)
        default = self.tern("dkim", "keygen", "other.example", "--type", "ed25519")
        self.assertRegex(default.stdout, r"^s20\d\d(0[1-9]|1[0-2])\._domainkey\.other\.example\. IN TXT")

    # --- tern signs, others verify ---

    @unittest.skipUnless(HAVE_DKIMPY, "python3-dkim and python3-nacl not installed")
    def test_tern_signed_verifies_with_dkimpy(self):
        key_dir = os.path.join(self.conf, "dkim", "example.com")
        for keys in (["--key", os.path.join(key_dir, "r1.key")], ["--key", os.path.join(key_dir, "e1.key")]):
            with self.subTest(keys=keys[1]):
                signed = self.tern_sign("--domain", "example.com", "--selector",
                                        os.path.basename(keys[1])[:-4], *keys)
                self.assertEqual(self.dkimpy_verify_all(signed, self.records), [True])
        # Dual signing from the key directory (no --key): one field per key, both verify.
        signed = self.tern_sign()
        self.assertEqual(signed.count(b"DKIM-Signature:"), 2)
        self.assertEqual(self.dkimpy_verify_all(signed, self.records), [True, True])
        # Tampering is caught by dkimpy too, so the check above can fail.
        self.assertEqual(self.dkimpy_verify_all(signed.replace(b"Hello Bob", b"Hello Eve"), self.records),
                         [False, False])

    @unittest.skipIf(NETNS_PROBLEM, "opendkim-testmsg: %s" % NETNS_PROBLEM)
    def test_tern_signed_verifies_with_opendkim(self):
        key_dir = os.path.join(self.conf, "dkim", "example.com")
        for sel in ("r1", "e1"):
            with self.subTest(selector=sel):
                signed = self.tern_sign("--domain", "example.com", "--selector", sel,
                                        "--key", os.path.join(key_dir, sel + ".key"), message=MESSAGE_NO_BARE_CR)
                good = self.opendkim_verify(signed, self.records)
                self.assertEqual(good["rc"], 0, good)
                self.assertEqual(good["out"] + good["err"], "")
                bad = self.opendkim_verify(signed.replace(b"Hello Bob", b"Hello Eve"), self.records)
                self.assertNotEqual(bad["rc"], 0, bad)

    # --- others sign, tern verifies ---

    @unittest.skipUnless(HAVE_DKIMPY, "python3-dkim and python3-nacl not installed")
    def test_dkimpy_signed_verifies_with_tern(self):
        rsa_pem = read_bytes(os.path.join(self.conf, "dkim", "example.com", "r1.key"))
        ed = nacl.signing.SigningKey.generate()
        ed_priv = base64.b64encode(bytes(ed))
        records = dict(self.records)
        records["py-ed._domainkey.example.com"] = [
            "v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(ed.verify_key)).decode()]
        data = MESSAGE.replace("\n", "\r\n").encode()
        for alg, sel, key in ((b"rsa-sha256", b"r1", rsa_pem), (b"ed25519-sha256", b"py-ed", ed_priv)):
            for canon in ((b"relaxed", b"simple"), (b"simple", b"simple"), (b"relaxed", b"relaxed"),
                          (b"simple", b"relaxed")):
                with self.subTest(alg=alg, canon=canon):
                    sig = dkim.sign(data, sel, b"example.com", key, canonicalize=canon, signature_algorithm=alg)
                    lines = self.tern_verify(sig + data, records)
                    self.assertEqual(lines, ["d=example.com s=%s pass" % sel.decode()])
                    # LF line ends give the same result.
                    lf = (sig + data).replace(b"\r\n", b"\n")
                    self.assertEqual(self.tern_verify(lf, records), lines)

    # --- failures: result and reason ---

    def dkimpy_signed(self, **kw):
        key = kw.pop("key", read_bytes(os.path.join(self.conf, "dkim", "example.com", "r1.key")))
        data = MESSAGE.replace("\n", "\r\n").encode()
        return (dkim.sign(data, kw.pop("selector", b"r1"), b"example.com", key, **kw) + data).decode()

    def expired_signed(self):
        """dkimpy signs without x=; build its signature with x= in the past by hand."""
        key = dkim.parse_pem_private_key(read_bytes(os.path.join(self.conf, "dkim", "example.com", "r1.key")))
        data = MESSAGE.replace("\n", "\r\n").encode()
        d = dkim.DKIM(data)
        policy = dkim.CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
        body = policy.canonicalize_body(d.body)
        d.hasher = dkim.HASH_ALGORITHMS[b"rsa-sha256"]
        d.signature_algorithm = b"rsa-sha256"
        bh = base64.b64encode(d.hasher(body).digest())
        now = int(time.time())
        fields = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", b"relaxed/relaxed"), (b"d", b"example.com"),
                  (b"s", b"r1"), (b"t", str(now - 3 * 86400).encode()), (b"x", str(now - 2 * 86400).encode()),
                  (b"h", b"from : to : subject"), (b"bh", bh), (b"b", b"0" * 60)]
        d.include_headers = (b"from", b"to", b"subject")
        return (b"DKIM-Signature: " + d.gen_header(fields, d.include_headers, policy, b"DKIM-Signature", key)
                + data).decode()

    @unittest.skipUnless(HAVE_DKIMPY, "python3-dkim and python3-nacl not installed")
    def test_failures_give_result_and_reason(self):
        good = self.dkimpy_signed(canonicalize=(b"relaxed", b"relaxed"))
        self.assertEqual(self.tern_verify(good, self.records), ["d=example.com s=r1 pass"])
        other = self.tern("dkim", "keygen", "wrong.example", "--selector", "other").stdout
        wrong = dict(self.records)
        wrong["r1._domainkey.example.com"] = parse_zone(other)["other._domainkey.wrong.example"]
        revoked = dict(self.records)
        revoked["r1._domainkey.example.com"] = ["v=DKIM1; k=rsa; p="]
        short_pem = subprocess.run(["openssl", "genrsa", "512"], capture_output=True, check=True).stdout
        short_pub = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=short_pem,
                                   capture_output=True, check=True).stdout
        short = dict(self.records)
        short["r1._domainkey.example.com"] = ["v=DKIM1; k=rsa; p=" + base64.b64encode(short_pub).decode()]
        cases = [
            ("tampered header", good.replace("Subject: DKIM interop", "Subject: DKIM interop!"), self.records,
             "d=example.com s=r1 fail (signature did not verify)"),
            ("tampered body", good.replace("Hello Bob", "Hello Eve"), self.records,
             "d=example.com s=r1 fail (body hash did not verify)"),
            ("wrong key", good, wrong, "d=example.com s=r1 fail (signature did not verify)"),
            ("no key", good, {}, "d=example.com s=r1 permerror (no key)"),
            ("revoked key", good, revoked, "d=example.com s=r1 permerror (key revoked)"),
            ("expired", self.expired_signed(), self.records, "d=example.com s=r1 fail (signature expired)"),
            ("rsa-sha1", self.dkimpy_signed(signature_algorithm=b"rsa-sha1"), self.records,
             "d=example.com s=r1 permerror (rsa-sha1 is not accepted (RFC 8301))"),
            ("512-bit key", self.dkimpy_signed(key=short_pem), short,
             "d=example.com s=r1 permerror (key too short (512 bits))"),
            ("l= covers all", self.dkimpy_signed(length=True), self.records, "d=example.com s=r1 pass"),
            ("l= with text added", self.dkimpy_signed(length=True) + "appended advert\r\n", self.records,
             "d=example.com s=r1 policy (l= does not cover the whole body)"),
            ("unsigned", MESSAGE, self.records, "none"),
        ]
        for name, message, records, expect in cases:
            with self.subTest(case=name):
                self.assertEqual(self.tern_verify(message, records), [expect])
        # dkimpy agrees (it allows 10 hours of clock slop; this x= is 2 days old).
        d = dkim.DKIM(self.expired_signed().encode())
        self.assertFalse(self.dkimpy_verify_one(d, 0, self.records))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--netns-child":
        sys.exit(netns_child(sys.argv[2], sys.argv[3]))
    unittest.main()
