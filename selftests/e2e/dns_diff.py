#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""
selftests/e2e/dns_diff.py: differential test of the in-kernel DNS answers against NSD.

Run inside a client namespace by selftests/e2e/dns_diff.sh. Every query is built
byte by byte here (so every header bit, count and EDNS field is ours to set)
and sent twice, at the same time: to the resolver address, where the
enforcer's TC program answers it, and to an NSD serving the exported zone of
the same view. Nothing listens on the resolver address, so a query the kernel
path passes on gets no reply (or an ICMP port unreachable); the contract says
which queries may be passed on.

With --transport tcp4/tcp6 every query goes over TCP instead (RFC 7766 8: a
2-byte length, then the message; a new connection per query and side): to the
resolver address, where the TC program steers the connection to `enforcer dns
serve`, and to NSD. Over TCP nothing is truncated: a TC bit from us is a
failure, the reply's limit is 65,535 bytes, and the UDP truncation rules do not
apply. A name outside the zone is relayed by dns serve to the resolver
address; nothing listens there, so the client's connection is closed: counted
as passed on, like no reply over UDP. Queries the UDP path may pass on
(malformed name, QDCOUNT 0) get dns serve's own FORMERR, accepted where NSD
closes the connection (or says NOERROR to QDCOUNT 0). The cases that only
make sense over UDP (the requestor's UDP sizes, AXFR/IXFR) are left out.

Replies are compared field by field: ID (against the query), QR, opcode, AA,
TC, RD, RA, Z, AD, CD, RCODE with the extended bits, the question bytes
(exactly), the answer, authority and additional RRs order-insensitively
(owner with its case, type, class, TTL, rdata with names compared
case-insensitively, as parsed, so compression does not matter), and the OPT
record (presence, version, DO, the other flags, UDP size, options).

Where NSD and the contract legitimately differ (docs/dns.md,
../shared/spec/dns-checklist.md), the difference is accepted and counted by
category; each acceptance rule checks that the rest of the reply still
agrees. Known product bugs (KNOWN below) are matched by narrow rules and
reported as expected failures; those since fixed (FIXED) count as mismatches
unless DNS_DIFF_STRICT=0, and --strict (or DNS_DIFF_STRICT=1) counts every one
as a mismatch. Everything else is a mismatch, printed with both replies.

    dns_diff.py --resolver 10.96.0.10 --nsd 10.0.254.1 --apex internal \
        --zone VIEW.zone --view rack [--other-zone OTHER.zone]...
        [--transport udp4|udp6|tcp4|tcp6]
        [--seed N] [--sample N] [--max N] [--strict] [--verbose] [--json OUT]
    dns_diff.py --merge OUT...     print the combined table of several runs

Exit status: 0 when there is no mismatch, 1 otherwise, 2 on bad usage.
"""
import argparse
import errno
import json
import os
import random
import select
import socket
import struct
import sys
import time

try:
    import dns.flags
    import dns.message
    import dns.name
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.zone
except ImportError:  # pragma: no cover - reported by the shell wrapper
    sys.stderr.write("dns_diff.py: needs dnspython (Debian package python3-dnspython)\n")
    sys.exit(2)

T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
     "SRV": 33, "OPT": 41, "IXFR": 251, "AXFR": 252, "ANY": 255, "TYPE65280": 65280}
C_IN, C_CH, C_HS, C_NONE, C_ANY = 1, 3, 4, 254, 255
QTYPES = ["A", "AAAA", "SRV", "SOA", "NS", "MX", "TXT", "ANY", "CNAME", "PTR", "TYPE65280"]
OWN_EDNS_SIZE = 1232    # what the kernel path advertises (ENF_DNS_EDNS_SIZE)

# ---------------------------------------------------------------------------
# Building queries


def wire_name(text, rnd=None, case=False):
    """Text name (no escapes; labels may be bytes) to wire form, optionally
    with random 0x20 case. `text` may also be a list of bytes labels."""
    labels = text if isinstance(text, list) else [l.encode() for l in text.strip(".").split(".") if l]
    out = b""
    for lab in labels:
        if case and rnd is not None:
            lab = bytes((c ^ 0x20) if (0x41 <= (c & ~0x20) <= 0x5A and rnd.random() < 0.5) else c
                        for c in lab)
        out += bytes([len(lab)]) + lab
    return out + b"\x00"


def opt_rr(size=1232, ext_rcode=0, version=0, do=False, zflags=0, options=(), owner=b"\x00",
           rdlen_delta=0, raw_rdata=None):
    rdata = b"".join(struct.pack("!HH", code, len(data)) + data for code, data in options)
    if raw_rdata is not None:
        rdata = raw_rdata
    flags = (0x8000 if do else 0) | (zflags & 0x7FFF)
    return (owner + struct.pack("!HHBBH", T["OPT"], size, ext_rcode, version, flags) +
            struct.pack("!H", len(rdata) + rdlen_delta) + rdata)


class Query:
    """One test query: its bytes and what the contract says about it."""

    def __init__(self, desc, wire, *, pass_ok=None, qtype=None, qname=None, edns=None):
        self.desc = desc
        self.wire = wire
        self.pass_ok = pass_ok      # None: must be answered; else the reason it may pass
        self.qtype = qtype
        self.qname = qname          # dns.name.Name, for the truncation rule
        self.edns = edns            # None or the requestor's UDP size
        self.has_opt = getattr(wire, "has_opt", False)
        self.trailing = getattr(wire, "trailing", False)
        self.opcode = (wire[2] >> 3) & 0xF if len(wire) > 2 else 0

    @property
    def id(self):
        return struct.unpack("!H", self.wire[:2])[0] if len(self.wire) >= 2 else None


def build(rnd, qname_wire, qtype, *, qclass=C_IN, opcode=0, rd=None, flags_extra=0, qr=0,
          qd=None, an=b"", ns=b"", ar=b"", ancount=None, nscount=None, arcount=None,
          qdcount=None, edns=None, trailing=b"", cut=None, qid=None):
    """The query bytes. `edns` is None (no OPT) or a dict for opt_rr()."""
    if qid is None:
        qid = rnd.randrange(0, 65536)
    if rd is None:
        rd = rnd.random() < 0.5
    b2 = (qr << 7) | (opcode << 3) | (1 if rd else 0) | (flags_extra & 0x06)
    b3 = flags_extra >> 8 & 0xF0
    question = (qd if qd is not None else qname_wire + struct.pack("!HH", qtype, qclass))
    opt = opt_rr(**edns) if edns is not None else b""
    counts = (1 if qdcount is None else qdcount,
              (1 if an else 0) if ancount is None else ancount,
              (1 if ns else 0) if nscount is None else nscount,
              ((1 if opt else 0) + (1 if ar else 0)) if arcount is None else arcount)
    msg = QBytes(struct.pack("!HBB4H", qid, b2, b3, *counts) + question + an + ns + ar + opt + trailing)
    if cut is not None:
        return msg[:cut]       # plain bytes: no OPT to speak of
    # None: an OPT the query got wrong on purpose; the reply may carry one or not
    malformed = edns is not None and ({"owner", "rdlen_delta", "raw_rdata"} & set(edns) or ar)
    msg.has_opt = None if malformed or trailing else bool(opt)
    msg.trailing = bool(trailing)
    return msg


class QBytes(bytes):
    """Query bytes that remember whether they carry an OPT record."""
    has_opt = False     # True, False, or None (a malformed OPT: not checked)
    trailing = False


# ---------------------------------------------------------------------------
# Reading replies


def raw_questions(wire):
    """(bytes of the question section, error) from the raw reply."""
    if len(wire) < 12:
        return None, "short"
    qd = struct.unpack("!H", wire[4:6])[0]
    off = 12
    for _ in range(qd):
        while True:
            if off >= len(wire):
                return wire[12:], "question runs past the end"
            c = wire[off]
            if c == 0:
                off += 1
                break
            if c & 0xC0 == 0xC0:
                off += 2
                break
            off += 1 + c
        off += 4
    if off > len(wire):
        return wire[12:], "question runs past the end"
    return wire[12:off], None


class Reply:
    def __init__(self, wire):
        self.wire = wire
        self.msg = None
        self.err = None
        self.id, b2, b3, self.qd, self.an, self.ns, self.ar = struct.unpack("!HBB4H", wire[:12]) \
            if len(wire) >= 12 else (None, 0, 0, 0, 0, 0, 0)
        self.qr, self.opcode = b2 >> 7, (b2 >> 3) & 0xF
        self.aa, self.tc, self.rd = (b2 >> 2) & 1, (b2 >> 1) & 1, b2 & 1
        self.ra, self.z, self.ad, self.cd = b3 >> 7, (b3 >> 6) & 1, (b3 >> 5) & 1, (b3 >> 4) & 1
        self.rcode4 = b3 & 0xF
        self.question, self.qerr = raw_questions(wire)
        try:
            self.msg = dns.message.from_wire(wire, one_rr_per_rrset=True, ignore_trailing=False)
        except Exception as e:  # noqa: BLE001 - any parse failure is reported, not fatal
            self.err = "%s: %s" % (type(e).__name__, e)

    @property
    def rcode(self):
        if self.msg is not None:
            return self.msg.rcode()
        return self.rcode4

    def opt(self):
        if self.msg is None or self.msg.edns < 0:
            return None
        m = self.msg
        return {"version": m.edns, "do": bool(m.ednsflags & dns.flags.DO),
                "zflags": m.ednsflags & 0x7FFF, "size": m.payload,
                "options": sorted((o.otype, o.to_wire() if hasattr(o, "to_wire") else b"")
                                  for o in m.options)}

    def rrs(self, section):
        """Multiset (sorted list) of (owner as sent, type, class, ttl, rdata) of a section."""
        if self.msg is None:
            return []
        sec = {"an": self.msg.answer, "ns": self.msg.authority, "ar": self.msg.additional}[section]
        out = []
        for rrset in sec:
            for rd in rrset:
                out.append((rrset.name.to_text(), rrset.rdtype, rrset.rdclass, rrset.ttl,
                            rd.to_digestable(dns.name.root)))
        return sorted(out)

    def header(self):
        return {"qr": self.qr, "opcode": self.opcode, "aa": self.aa, "tc": self.tc,
                "rd": self.rd, "ra": self.ra, "z": self.z, "ad": self.ad, "cd": self.cd,
                "rcode": self.rcode}

    def text(self):
        if self.msg is not None:
            return self.msg.to_text()
        return "(unparsable: %s) %s" % (self.err, self.wire.hex())


# ---------------------------------------------------------------------------
# Sending


def exchange(q, targets, timeout):
    """Send q.wire to every (family, addr) target at once; return a list of
    (Reply or None, how) where how is 'reply', 'refused' (ICMP unreachable) or 'timeout'."""
    socks = []
    for addr in targets:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.connect((addr, 53))
        s.send(q.wire)
        socks.append(s)
    res = [None] * len(socks)
    deadline = time.monotonic() + timeout
    pending = set(range(len(socks)))
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([socks[i] for i in pending], [], [], left)
        for s in r:
            i = socks.index(s)
            try:
                data = s.recv(65535)
            except ConnectionRefusedError:
                res[i] = (None, "refused")
                pending.discard(i)
                continue
            except OSError as e:
                res[i] = (None, "error %s" % e.strerror)
                pending.discard(i)
                continue
            if q.id is not None and len(data) >= 2 and struct.unpack("!H", data[:2])[0] != q.id:
                continue        # not ours (cannot happen on a connected socket; be safe)
            res[i] = (Reply(data), "reply")
            pending.discard(i)
    for i in pending:
        res[i] = (None, "timeout")
    for s in socks:
        s.close()
    return res


def exchange_tcp(q, targets, timeout):
    """Like exchange(), over TCP (RFC 7766 8: a 2-byte length, then the
    message): a new connection to every target, at once; the first whole
    message read is the reply. how is 'reply', 'refused' (the connection
    was refused), 'closed' (ended or reset before a whole reply) or
    'timeout'."""
    frame = struct.pack("!H", len(q.wire)) + q.wire
    st = []     # per target: [socket, phase, bytes sent, bytes read]
    res = [None] * len(targets)
    for i, addr in enumerate(targets):
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        err = s.connect_ex((addr, 53))
        st.append([s, "connect", 0, b""])
        if err not in (0, errno.EINPROGRESS):
            res[i] = (None, "refused" if err == errno.ECONNREFUSED else "error %s" % os.strerror(err))
    deadline = time.monotonic() + timeout
    for _ in range(10000):      # bounded: every round waits or makes progress
        pending = [i for i in range(len(st)) if res[i] is None]
        left = deadline - time.monotonic()
        if not pending or left <= 0:
            break
        rd = [st[i][0] for i in pending if st[i][1] == "read"]
        wr = [st[i][0] for i in pending if st[i][1] != "read"]
        r, w, _ = select.select(rd, wr, [], left)
        for i in pending:
            s, phase = st[i][0], st[i][1]
            try:
                if s in w:
                    if phase == "connect":
                        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if err:
                            res[i] = (None, "refused" if err == errno.ECONNREFUSED
                                      else "error %s" % os.strerror(err))
                            continue
                        st[i][1] = "send"
                    st[i][2] += s.send(frame[st[i][2]:])
                    if st[i][2] == len(frame):
                        st[i][1] = "read"
                elif s in r:
                    data = s.recv(65537)
                    if not data:
                        res[i] = (None, "closed")
                        continue
                    st[i][3] += data
                    buf = st[i][3]
                    if len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                        res[i] = (Reply(buf[2:2 + struct.unpack("!H", buf[:2])[0]]), "reply")
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionRefusedError:
                res[i] = (None, "refused")
            except (ConnectionResetError, BrokenPipeError):
                res[i] = (None, "closed")
            except OSError as e:
                res[i] = (None, "error %s" % e.strerror)
    for i in range(len(st)):
        if res[i] is None:
            res[i] = (None, "timeout")
        st[i][0].close()
    return res


# ---------------------------------------------------------------------------
# The zone of the view under test


class View:
    def __init__(self, apex, zonefile, other_files):
        self.apex = dns.name.from_text(apex)
        self.zone = dns.zone.from_file(zonefile, origin=self.apex, relativize=False)
        self.names = sorted(self.zone.nodes.keys())
        ents = set()
        for n in self.names:
            p = n.parent()
            while p != self.apex and p.is_subdomain(self.apex):
                if p not in self.zone.nodes:
                    ents.add(p)
                p = p.parent()
        self.ents = sorted(ents)
        # names that exist only in the other views: must be NXDOMAIN here
        other, other_nodes = set(), set()
        for f in other_files:
            z = dns.zone.from_file(f, origin=self.apex, relativize=False)
            other_nodes |= set(z.nodes.keys())
            for n in z.nodes.keys():
                p = n
                while p != self.apex and p.is_subdomain(self.apex):
                    other.add(p)
                    p = p.parent()
        self.others = sorted(other - set(self.names) - ents)
        # empty non-terminals of the other views (for the known-bug rule K2)
        self.other_ents = set(self.others) - other_nodes

    def rrset(self, name, rdtype):
        node = self.zone.get_node(name)
        if node is None:
            return None
        return node.get_rdataset(dns.rdataclass.IN, rdtype)


# ---------------------------------------------------------------------------
# Generating the cases


def sample_names(view, rnd):
    """Every name of the view, except that long runs of per-instance names
    of one service (N.big, N.big.myapp: 30 each) are cut to first/last two."""
    out = []
    groups = {}
    for n in view.names:
        first = n.labels[0]
        if first.isdigit() and len(n) > 2:
            groups.setdefault(n.parent(), []).append(n)
        else:
            out.append(n)
    for parent, lst in groups.items():
        lst.sort(key=lambda n: int(n.labels[0]))
        out.extend(lst if len(lst) <= 4 else lst[:2] + lst[-2:])
    return sorted(out)


def edns_variant(i, rnd):
    v = i % 4
    if v == 0:
        return None
    if v == 1:
        return {"size": 1232}
    if v == 2:
        return {"size": 4096, "do": True}
    return {"size": rnd.choice([512, 1400, 65535])}


def gen_cases(view, rnd, tcp=False):
    """The cases of one run; `tcp` leaves out what only makes sense over UDP:
    the requestor's UDP size as the reply's limit, AXFR/IXFR."""
    cases = []
    apex_wire = wire_name(view.apex.to_text())
    names = sample_names(view, rnd)
    i = 0

    def add(desc, wire, **kw):
        cases.append(Query(desc, wire, **kw))

    def std(name, qtype, case=None, edns=None, **kw):
        nonlocal i
        if case is None:
            case = rnd.random() < 0.5
        if edns == "rot":
            edns = edns_variant(i, rnd)
        i += 1
        w = wire_name(name.to_text(), rnd, case)
        q = build(rnd, w, T[qtype] if isinstance(qtype, str) else qtype, edns=edns, **kw)
        size = None if edns is None else edns.get("size", 1232)
        add("%s %s%s%s" % (name.to_text(), qtype if isinstance(qtype, str) else "TYPE%d" % qtype,
                           " edns%s" % ("(do)" if edns.get("do") else "") if edns else "",
                           " 0x20" if case else ""),
            q, qtype=T[qtype] if isinstance(qtype, str) else qtype, qname=name, edns=size)

    # 1. every name of the view (and its empty non-terminals) x qtypes
    for n in names + view.ents + [view.apex]:
        # per-instance names hold one address: fewer types tell all there is
        inst = n.labels[0].isdigit()
        for t in (("A", "AAAA", "ANY", "MX", "TYPE65280") if inst else QTYPES):
            std(n, t, edns="rot")
    # 2. names that do not exist: below and beside existing ones, and other views' names
    unknown = []
    below = [n for n in names if n != view.apex]
    for n in below[:: max(1, len(below) // 12)]:
        unknown.append(dns.name.Name((b"nope",) + n.labels))
        unknown.append(dns.name.Name((n.labels[0] + b"x",) + n.labels[1:]))
    unknown += [dns.name.Name((b"9",) + view.apex.labels),
                dns.name.Name((b"_tcp", b"nope") + view.apex.labels),
                dns.name.Name((b"99", b"web") + view.apex.labels),
                dns.name.Name((b"a", b"b", b"c", b"d") + view.apex.labels)]
    for n in unknown:
        for t in ("A", "AAAA", "SRV", "TXT"):
            std(n, t, edns="rot")
    for n in view.others:
        for t in (("A", "AAAA", "SRV", "MX") if n in view.other_ents or len(view.others) < 40
                  else (rnd.choice(("A", "AAAA", "SRV", "MX")),)):
            std(n, t, edns="rot")
    # 3. a few real names under every EDNS shape
    probe = [n for n in names if n.labels[0] in (b"web", b"api", b"big")][:3] or names[:3]
    for n in probe:
        for size in (() if tcp else (0, 100, 511, 512, 513, 1232, 1233, 4096, 65535)):
            std(n, "A", edns={"size": size})
        std(n, "A", edns={"size": 1232, "do": True})
        std(n, "AAAA", edns={"size": 1232, "zflags": 0x7FFF, "do": True})
        w = wire_name(n.to_text(), rnd, True)
        for desc, opts in (("unknown option 65001", [(65001, b"\x01\x02\x03")]),
                           ("COOKIE", [(10, bytes(rnd.randrange(256) for _ in range(8)))]),
                           ("NSID", [(3, b"")]),
                           ("ECS", [(8, b"\x00\x01\x18\x00\x0a\x00\x05")]),
                           ("padding", [(12, b"\x00" * 16)]),
                           ("3 options", [(65001, b""), (10, b"\x00" * 8), (65002, b"xyz")])):
            add("%s A edns %s" % (n, desc), build(rnd, w, 1, edns={"options": opts}),
                qtype=1, qname=n, edns=1232)
        add("%s A edns version 1" % n, build(rnd, w, 1, edns={"version": 1}), qtype=1, qname=n)
        add("%s A edns version 255 do" % n, build(rnd, w, 1, edns={"version": 255, "do": True}),
            qtype=1, qname=n)
        add("%s A edns ext-rcode bits in query" % n, build(rnd, w, 1, edns={"ext_rcode": 1}),
            qtype=1, qname=n, edns=1232)
        add("%s A OPT owner not root" % n,
            build(rnd, w, 1, edns={"owner": b"\x01a\x00"}), qtype=1, qname=n)
        add("%s A two OPT" % n, build(rnd, w, 1, ar=opt_rr(), edns={}), qtype=1, qname=n)
        add("%s A OPT rdlen overrun" % n,
            build(rnd, w, 1, edns={"options": [(65001, b"ab")], "rdlen_delta": 3}), qtype=1, qname=n)
        add("%s A OPT option length overrun" % n,
            build(rnd, w, 1, edns={"raw_rdata": b"\xfd\xe9\x00\x09ab"}), qtype=1, qname=n)
    # large queries: EDNS padding (RFC 7830) up to the kernel's message limit and past it
    for total in (1232, 1400):
        base = build(rnd, w, 1, edns={"options": [(12, b"")]})
        pad = total - len(base)
        add("%s A edns padded to %d bytes" % (n, total),
            build(rnd, w, 1, edns={"options": [(12, b"\x00" * pad)]}), qtype=1, qname=n, edns=1232)
    # 4. header bits and counts
    n = probe[0]
    w = wire_name(n.to_text(), rnd, True)
    for opc in (1, 2, 4, 5, 15):
        for e in (None, {}):
            add("%s A opcode %d%s" % (n, opc, " edns" if e is not None else ""),
                build(rnd, w, 1, opcode=opc, edns=e), qtype=1, qname=n)
    for cls, cname in ((C_CH, "CH"), (C_HS, "HS"), (C_NONE, "NONE"), (C_ANY, "ANY"), (2, "CLASS2")):
        for t in ("A", "TXT"):
            add("%s %s class %s" % (n, t, cname), build(rnd, w, T[t], qclass=cls), qtype=T[t], qname=n)
    add("%s A class CH edns" % n, build(rnd, w, 1, qclass=C_CH, edns={}), qtype=1, qname=n)
    second = wire_name(names[-1].to_text()) + struct.pack("!HH", 1, 1)
    add("%s A qdcount 2 (two questions)" % n,
        build(rnd, w, 1, qd=w + struct.pack("!HH", 1, 1) + second, qdcount=2), qtype=1, qname=n)
    add("%s A qdcount 2 (one question present)" % n, build(rnd, w, 1, qdcount=2), qtype=1, qname=n)
    add("qdcount 0, empty", build(rnd, w, 1, qd=b"", qdcount=0), pass_ok="qdcount 0")
    add("qdcount 0 with OPT", build(rnd, w, 1, qd=b"", qdcount=0, edns={}), pass_ok="qdcount 0")
    a_rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 5, 4) + b"\x0a\x00\x00\x01"
    add("%s A ancount 1" % n, build(rnd, w, 1, an=a_rr), qtype=1, qname=n)
    add("%s A nscount 1" % n, build(rnd, w, 1, ns=a_rr), qtype=1, qname=n)
    add("%s A ancount 1 (no record present)" % n, build(rnd, w, 1, ancount=1), qtype=1, qname=n)
    add("%s A arcount 1 (no record present)" % n, build(rnd, w, 1, arcount=1), qtype=1, qname=n)
    add("%s A arcount 1, an A record" % n, build(rnd, w, 1, ar=a_rr), qtype=1, qname=n)
    add("%s A qr=1 (a response)" % n, build(rnd, w, 1, qr=1), pass_ok="response")
    add("%s A qr=1 edns" % n, build(rnd, w, 1, qr=1, edns={}), pass_ok="response")
    for fe, fdesc in ((0x02, "tc"), (0x04, "aa"), (0x8000, "ra"), (0x4000, "z"), (0x2000, "ad"),
                      (0x1000, "cd"), (0xF006, "aa tc ra z ad cd")):
        add("%s A %s set in query" % (n, fdesc), build(rnd, w, 1, flags_extra=fe), qtype=1, qname=n)
    add("%s A trailing garbage" % n, build(rnd, w, 1, trailing=b"\x00\x01\x02"), qtype=1, qname=n)
    add("%s A edns + trailing garbage" % n, build(rnd, w, 1, edns={}, trailing=b"\xff"), qtype=1,
        qname=n)
    # (AXFR/IXFR: NOTIMP over UDP, checklist 16; over TCP a transfer is
    # another protocol, with no contract here)
    for t in ((0, 65535, T["OPT"]) if tcp else (T["AXFR"], T["IXFR"], 0, 65535, T["OPT"])):
        add("%s TYPE%d" % (n, t), build(rnd, w, t), qtype=t, qname=n)
    # 5. truncated messages
    full = build(rnd, w, 1)
    for cut in (0, 1, 5, 11):
        add("%s A cut to %d bytes" % (n, cut), full[:cut], pass_ok="short message")
    add("%s A cut to the header" % n, full[:12], pass_ok="malformed name")
    add("%s A cut inside the name" % n, full[:12 + 3], pass_ok="malformed name")
    add("%s A cut before the root label" % n, full[:12 + len(w) - 1], pass_ok="malformed name")
    add("%s A cut after the name" % n, full[:12 + len(w)], qtype=None, qname=n)
    add("%s A cut inside QTYPE" % n, full[:12 + len(w) + 1], qtype=None, qname=n)
    add("%s A cut inside QCLASS" % n, full[:12 + len(w) + 3], qtype=None, qname=n)
    # 6. odd names
    apex_labels = [l for l in view.apex.labels if l]
    l63 = b"a" * 63
    add("63-octet label A", build(rnd, wire_name([l63] + apex_labels), 1),
        qtype=1, qname=dns.name.Name((l63,) + view.apex.labels))
    add("63-octet label under a name A", build(rnd, wire_name([l63] + list(n.labels[:-1])), 1),
        qtype=1, qname=dns.name.Name((l63,) + n.labels))
    add("64-octet label A", build(rnd, wire_name([b"a" * 64] + apex_labels), 1),
        pass_ok="malformed name")
    # names of exactly 255 and 256 octets in wire form (inside the zone)
    for total in (253, 254, 255, 256):
        labels = list(apex_labels)
        cur = len(wire_name(labels))
        pre = []
        while cur < total:
            room = total - cur - 1
            ln = min(63, room)
            if ln < 1:
                break
            pre.append(bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
                             for _ in range(ln)))
            cur += ln + 1
        nm = wire_name(pre + labels)
        if len(nm) != total:
            continue
        if total <= 255:
            add("%d-octet name A" % total, build(rnd, nm, 1), qtype=1,
                qname=dns.name.Name(tuple(pre) + view.apex.labels))
            add("%d-octet name A edns" % total, build(rnd, nm, 1, edns={}), qtype=1,
                qname=dns.name.Name(tuple(pre) + view.apex.labels))
        else:
            add("%d-octet name A" % total, build(rnd, nm, 1), pass_ok="malformed name")
    add("120 labels under the apex", build(rnd, wire_name([b"a"] * 120 + apex_labels), 1),
        qtype=1, qname=dns.name.Name((b"a",) * 120 + view.apex.labels))
    add("compression pointer to itself", build(rnd, b"\x03web\xc0\x0c", 1), pass_ok="malformed name")
    add("compression pointer forward", build(rnd, b"\xc0\x20" + b"\x00" * 30, 1,
                                            qd=b"\xc0\x12\x00\x01\x00\x01\x03web" + apex_wire),
        pass_ok="malformed name")
    add("label type 01 (0x40)", build(rnd, b"\x41" + b"a" + apex_wire, 1), pass_ok="malformed name")
    add("label type 10 (0x80)", build(rnd, b"\x81" + b"a" + apex_wire, 1), pass_ok="malformed name")
    add("binary label 0x80-0xff", build(rnd, wire_name([bytes([0xC1, 0xE9, 0xFF])] + apex_labels), 1),
        qtype=1, qname=dns.name.Name((bytes([0xC1, 0xE9, 0xFF]),) + view.apex.labels))
    add("label with a dot inside", build(rnd, wire_name([b"web.x"] + apex_labels), 1),
        qtype=1, qname=dns.name.Name((b"web.x",) + view.apex.labels))
    if names:
        # a name equal to a real one but with a non-ASCII byte that only
        # folds under latin-1 rules: must not match (RFC 4343)
        first = [nn for nn in names if nn.labels[0].isalpha() and nn != view.apex][0]
        lab = first.labels[0]
        alt = bytes([0xC0 | (lab[0] & 0x1F)]) + lab[1:]
        add("non-ASCII look-alike of %s" % first,
            build(rnd, wire_name([alt] + list(first.labels[1:-1])), 1),
            qtype=1, qname=dns.name.Name((alt,) + first.labels[1:]))
    # 7. outside every zone: the normal resolver's business
    for nm in ("example.org", "internal.example", "x" + view.apex.to_text().strip("."),
               "", "org"):
        add("outside %r A" % nm, build(rnd, wire_name(nm), 1), pass_ok="outside the zone")
    return cases


# ---------------------------------------------------------------------------
# Comparing


def limit_of(q, tcp=False):
    """Size limit of the reply (checklist 25, 26; over TCP the length field's)."""
    if tcp:
        return 65535
    if q.edns is None:
        return 512
    return max(512, min(q.edns, OWN_EDNS_SIZE))


def compare(q, k, n, view, tcp=False):
    """(verdict, category, reasons); verdict is 'identical', 'accepted' or 'mismatch'.
    `tcp`: the replies came over TCP, where nothing is truncated (RFC 7766 8)."""
    reasons = []
    # --- the kernel's own invariants, whatever NSD says ------------------------
    if k.id != q.id:
        reasons.append("kernel reply ID %s != query ID %s" % (k.id, q.id))
    if n.id != q.id:
        reasons.append("NSD reply ID %s != query ID %s" % (n.id, q.id))
    if not k.qr:
        reasons.append("kernel reply has QR=0")
    if k.ra or k.z or k.ad or k.cd:
        reasons.append("kernel reply has RA/Z/AD/CD set (checklist 4)")
    if k.qd and (k.question is None or not q.wire[12:].startswith(k.question)):
        reasons.append("kernel question is not the query's bytes (checklist 6)")
    if k.err:
        # dnspython reads opcode != QUERY differently (UPDATE) or not at all (15)
        if q.opcode == 0:
            reasons.append("kernel reply does not parse: %s" % k.err)
    ok_, on_ = k.opt(), n.opt()
    if k.msg is not None:
        # (opcode != QUERY: the kernel, like NSD, answers NOTIMP from the
        # header alone, without reading the OPT)
        if q.has_opt is not None and q.opcode == 0 and (ok_ is not None) != q.has_opt:
            reasons.append("kernel reply %s OPT, query %s (RFC 6891 6.1.1, 7)" %
                           ("has" if ok_ else "has no", "has one" if q.has_opt else "has none"))
        if ok_ and (ok_["zflags"] or ok_["options"] or ok_["version"] != 0 or
                    ok_["size"] != OWN_EDNS_SIZE):
            reasons.append("kernel OPT not version 0 / size %d / no flags / no options: %s" %
                           (OWN_EDNS_SIZE, ok_))
        if len(k.wire) > limit_of(q, tcp) and q.opcode == 0:
            reasons.append("kernel reply of %d bytes exceeds the limit %d" % (len(k.wire),
                                                                               limit_of(q, tcp)))
    if tcp and k.tc:
        reasons.append("kernel reply has TC over TCP (the whole answer must be there)")

    # --- differences --------------------------------------------------------------
    hk, hn = k.header(), n.header()
    hdiff = {f: (hk[f], hn[f]) for f in hk if hk[f] != hn[f]}
    qdiff = k.question != n.question
    parsed = k.msg is not None and n.msg is not None
    if parsed:
        secs = {sec: (k.rrs(sec), n.rrs(sec)) for sec in ("an", "ns", "ar")}
    else:
        secs = {sec: ([None] * getattr(k, sec), [None] * getattr(n, sec)) for sec in ("an", "ns", "ar")}
    an_k, an_n = secs["an"]
    ns_k, ns_n = secs["ns"]
    ar_k, ar_n = secs["ar"]
    diffs = {}
    if hdiff:
        diffs["header"] = ", ".join("%s kernel=%s nsd=%s" % (f, a, b) for f, (a, b) in hdiff.items())
    if qdiff:
        diffs["question"] = "kernel=%s nsd=%s" % (k.question.hex() if k.question is not None else None,
                                                  n.question.hex() if n.question is not None else None)
    for sec, label in (("an", "answer"), ("ns", "authority"), ("ar", "additional")):
        if secs[sec][0] != secs[sec][1]:
            diffs[label] = "differs"
    if parsed and ok_ != on_:
        diffs["opt"] = "kernel=%s nsd=%s" % (ok_, on_)
    why = ["%s: %s" % kv for kv in diffs.items()]
    if reasons:
        return "mismatch", None, reasons + why
    if srv_compressed(k.wire) and not srv_compressed(n.wire):
        # everything else must agree, except what the compression changes:
        # NSD's uncompressed answer may not fit where the kernel's does
        if not diffs or (set(diffs) <= {"header", "answer"} and set(hdiff) == {"tc"} and
                         hn["tc"] and not an_n):
            return "known", "K3", why
    if not diffs:
        return "identical", None, []
    only = set(diffs)
    rc = hk["rcode"]

    def full_rrset():
        t = q.qtype
        if t == 255:        # the kernel answers ANY with the A, else AAAA, else SRV RRset
            t = next((c for c in (1, 28, 33) if view.rrset(q.qname, c) is not None), 1)
        return view.rrset(q.qname, t) if q.qname is not None else None

    # --- accepted differences --------------------------------------------------------
    # 1. Truncation: the kernel sends the records that fit with TC (RFC 2181 9,
    #    contract 5), NSD sends none; both set TC; the rest is equal.
    if not tcp and hk["tc"] and hn["tc"] and not an_n and an_k and not hdiff and ns_k == ns_n and \
            ar_k == ar_n and ok_ == on_:
        full = full_rrset()
        if full is None:
            return "mismatch", None, why + ["truncated answer for a name/type without data"]
        fullset = set(rd.to_digestable(dns.name.root) for rd in full)
        got = [r[4] for r in an_k]
        if not set(got) <= fullset or len(set(got)) != len(got):
            return "mismatch", None, why + ["truncated answer holds records not in the RRset"]
        if len(got) >= len(fullset):
            return "mismatch", None, why + ["TC set but the whole RRset is there"]
        # The kernel writes the records in rotation order and stops at the
        # first that does not fit. Which one that is depends on the query
        # id; a record is 12 bytes of header (owner a pointer) and its
        # rdata uncompressed (RFC 2782: SRV targets are written out in
        # full), so SRV records differ in size ("<index>." has 1 or 2
        # digits). Wrong only when even the largest record left out fits.
        missing = fullset - set(got)
        largest = 12 + max(len(d) for d in missing)
        if len(k.wire) + largest <= limit_of(q):
            return "mismatch", None, why + ["TC set but every record left out would have fit (%d + %d <= %d)"
                                            % (len(k.wire), largest, limit_of(q))]
        if any(r[3] != full.ttl for r in an_k):
            return "mismatch", None, why + ["TTL differs from the zone"]
        return "accepted", "truncated: records that fit + TC (NSD: none)", []
    # 2. NSD sets TC although the whole RRset fits (its additional data did
    #    not); the kernel sends the whole RRset without TC (RFC 2181 9).
    if not tcp and hn["tc"] and not hk["tc"] and not an_n and an_k and set(hdiff) == {"tc"} and \
            ns_k == ns_n and ok_ == on_:
        full = full_rrset()
        if full is not None and sorted(r[4] for r in an_k) == \
                sorted(rd.to_digestable(dns.name.root) for rd in full):
            return "accepted", "NSD TC although the RRset fits (kernel: whole RRset)", []
    # 3. Error replies: the kernel echoes the question (and the OPT), NSD
    #    sends a bare header; NSD clears RD on FORMERR and keeps it on NOTIMP,
    #    the kernel the other way round (checklist 2: either is seen).
    if hk["rcode"] == hn["rcode"] and rc in (dns.rcode.NOTIMP, dns.rcode.FORMERR, dns.rcode.REFUSED) \
            and set(hdiff) <= {"rd"} and k.qd == 1 and n.qd == 0 and not an_k and not an_n and \
            not ns_k and not ns_n and only <= {"header", "question", "opt", "additional"} and \
            (not parsed or not [r for r in ar_n]):
        what = {dns.rcode.NOTIMP: "NOTIMP", dns.rcode.FORMERR: "FORMERR",
                dns.rcode.REFUSED: "REFUSED (QCLASS not IN)"}[rc]
        extra = " and OPT" if "opt" in only else ""
        return "accepted", "%s: question%s echoed (NSD: bare header)" % (what, extra), []
    # 4. ANY: the kernel returns one RRset (RFC 8482 4.1), NSD all of them.
    if q.qtype == 255 and not hdiff and not qdiff and ns_k == ns_n and ok_ == on_ and an_k:
        types = {}
        for r in an_n:
            types.setdefault(r[1], []).append(r)
        if len(types) > 1 and any(sorted(v) == an_k for v in types.values()):
            return "accepted", "ANY: one RRset (NSD: all)", []
    # 5. NSD's additional-section processing (A/AAAA of NS and SRV targets);
    #    the kernel sends none; the rest is equal.
    if not [r for r in ar_k] and ar_n and only == {"additional"}:
        return "accepted", "additional data from NSD (kernel: none)", []
    # 6. QCLASS ANY: NSD answers without AA, the kernel REFUSES (checklist 17).
    if qclass_of(q.wire) == C_ANY and rc == dns.rcode.REFUSED and not an_k and not ns_k:
        return "accepted", "QCLASS ANY: REFUSED (NSD answers)", []
    # 7. BADVERS: the kernel copies DO (RFC 3225 3), NSD clears it.
    if rc == hn["rcode"] == dns.rcode.BADVERS and only == {"opt"} and ok_ and on_ and \
            dict(ok_, do=False) == dict(on_, do=False) and ok_["do"] and not on_["do"]:
        return "accepted", "BADVERS: DO copied (NSD: cleared)", []
    # 8. REFUSED for QCLASS CH with EDNS: NSD adds EDE 21 (Not Supported).
    if rc == hn["rcode"] == dns.rcode.REFUSED and only == {"opt"} and ok_ and on_ and \
            dict(ok_, options=[]) == dict(on_, options=[]) and [o[0] for o in on_["options"]] == [15]:
        return "accepted", "REFUSED: NSD adds an EDE option (kernel: none)", []
    # 9. Bytes after the last record: FORMERR as BIND does (NSD ignores them).
    if rc == dns.rcode.FORMERR and hn["rcode"] == dns.rcode.NOERROR and q.trailing and \
            k.qd == 1 and not an_k and not ns_k:
        return "accepted", "trailing bytes: FORMERR like BIND (NSD ignores them)", []
    # 10. Opcode NOTIFY: NOTIMP per the contract; NSD runs its NOTIFY logic.
    if q.opcode == 4 and rc == dns.rcode.NOTIMP and not an_k and not ns_k:
        return "accepted", "NOTIFY: NOTIMP (NSD: its NOTIFY handling)", []
    # 11. IXFR/AXFR over UDP: NOTIMP (checklist 16); NSD says NOTAUTH for IXFR.
    if not tcp and q.qtype in (251, 252) and rc == dns.rcode.NOTIMP and hn["rcode"] in (dns.rcode.NOTAUTH,
                                                                             dns.rcode.NOTIMP):
        return "accepted", "IXFR over UDP: NOTIMP (NSD: NOTAUTH)", []
    bug = known_bug(q, k, n, view, hdiff, an_k, an_n, ns_k, ns_n)
    if bug:
        return "known", bug, why
    return "mismatch", None, why


# Known product bugs, reported with reproductions (see the header of
# selftests/e2e/dns_diff.sh). Each rule is narrow: it matches exactly the wrong
# answer the bug produces, with the rest of the reply equal. They count as
# "known product bugs" (expected failures) and do not fail the run, unless
# strict (strict_for below), where they are mismatches like any other.
# K5 (user/lib/kernel/dns_serve.c, fixed): dns_serve_query() refused a query
# over ENF_DNS_MAX_MSG (-EMSGSIZE), and dns_own_reply() then had it relayed as
# a name outside the zone; over UDP the program answers it (K4, fixed).
# K6 (dns_serve.c, fixed): own_parse() returned on QDCOUNT != 1 before it read
# the additional section, so dns_own_reply() sent FORMERR without the OPT.
KNOWN = {
    "K1": "ANY at a name with only SRV records answers NODATA (RFC 8482 4.1: one RRset)",
    "K2": "isolated member sees another view's empty non-terminal as NODATA (NSD: NXDOMAIN)",
    "K3": "SRV target written with a compression pointer (RFC 2782, RFC 3597 4: MUST NOT)",
    "K4": "well-formed query over 1232 bytes (ENF_DNS_MAX_MSG) passed on, not answered",
    "K5": "TCP: well-formed query over 1232 bytes relayed to the resolver, not answered",
    "K6": "TCP: QDCOUNT 0 with an OPT gets FORMERR without an OPT (RFC 6891 6.1.1)",
}
# All are fixed: a case matching their rules is a regression and fails the
# run unless DNS_DIFF_STRICT=0. A bug found open is listed here without being
# in FIXED: an expected failure unless DNS_DIFF_STRICT=1.
FIXED = ("K1", "K2", "K3", "K4", "K5", "K6")


def strict_for(args, key):
    """Whether known bug `key` counts as a mismatch in this run."""
    return args.strict if args.strict is not None else key in FIXED


def known_bug(q, k, n, view, hdiff, an_k, an_n, ns_k, ns_n):
    """The KNOWN key this difference is an instance of, or None."""
    # K1: ANY at a name whose only data is SRV
    if q.qtype == 255 and q.qname is not None and k.rcode == dns.rcode.NOERROR and not an_k and \
            view.rrset(q.qname, 33) is not None and view.rrset(q.qname, 1) is None and \
            view.rrset(q.qname, 28) is None and set(hdiff) <= {"tc"} and \
            (all(r[1] == 33 for r in an_n) and (an_n or n.tc)):
        return "K1"
    # K2: another view's ENT answers NODATA to an isolated member
    if q.qname is not None and q.qname in view.other_ents and k.rcode == dns.rcode.NOERROR and \
            n.rcode == dns.rcode.NXDOMAIN and not an_k and not an_n and ns_k == ns_n and \
            set(hdiff) == {"rcode"}:
        return "K2"
    return None


def own_formerr(q, k, n, nhow):
    """TCP only: a query the wire path may pass on (malformed name, QDCOUNT 0)
    that dns serve answered itself with FORMERR (dns_own_reply), where NSD
    closed the connection or (QDCOUNT 0) said NOERROR. (verdict, category,
    reasons): 'accepted', 'known' (K6) or None (compare as usual)."""
    rd = q.wire[2] & 1 if len(q.wire) > 2 else 0
    ok_ = k.opt()
    if not (k.id == q.id and k.qr and k.opcode == q.opcode == 0 and k.rcode == dns.rcode.FORMERR and
            k.qd == 0 and k.an == 0 and k.ns == 0 and k.ar == (1 if ok_ else 0) and k.rd == rd and
            not (k.aa or k.tc or k.ra or k.z or k.ad or k.cd) and not k.err):
        return None, None, []
    if ok_ is not None and (ok_["version"] or ok_["zflags"] or ok_["options"] or
                            ok_["size"] != OWN_EDNS_SIZE or not q.has_opt):
        return None, None, []
    if n is None:
        if nhow != "closed":
            return None, None, []
        nsd = "NSD closes the connection"
    elif q.pass_ok == "qdcount 0" and n.rcode == dns.rcode.NOERROR and n.qd == 0 and \
            n.an == 0 and n.ns == 0:
        nsd = "NSD: NOERROR"
    else:
        return None, None, []
    if q.pass_ok == "qdcount 0" and q.has_opt and ok_ is None:
        return "known", "K6", ["kernel reply has no OPT, query has one (RFC 6891 6.1.1)",
                               "NSD: %s" % ("closed" if n is None else n.opt())]
    return "accepted", "%s: FORMERR from dns serve (%s)" % (q.pass_ok, nsd), []


def srv_compressed(wire):
    """True when an SRV record of the reply has a compressed target."""
    try:
        qd, an, ns, ar = struct.unpack("!4H", wire[4:12])
        off = 12

        def skip_name(o):
            while True:
                c = wire[o]
                if c == 0:
                    return o + 1
                if c & 0xC0 == 0xC0:
                    return o + 2
                o += 1 + c
        for _ in range(qd):
            off = skip_name(off) + 4
        for _ in range(an + ns + ar):
            off = skip_name(off)
            rtype, _, _, rdlen = struct.unpack("!HHIH", wire[off:off + 10])
            off += 10
            if rtype == 33:
                o = off + 6
                while wire[o] != 0:
                    if wire[o] & 0xC0 == 0xC0:
                        return True
                    o += 1 + wire[o]
            off += rdlen
    except (IndexError, struct.error):
        return False
    return False


def qclass_of(wire):
    _, err = raw_questions(wire)
    if err or len(wire) < 12:
        return None
    q, _ = raw_questions(wire)
    return struct.unpack("!H", q[-2:])[0] if len(q) >= 4 else None


# ---------------------------------------------------------------------------


def run(args):
    rnd = random.Random(args.seed)
    view = View(args.apex, args.zone, args.other_zone or [])
    tcp = args.transport.startswith("tcp")
    cases = gen_cases(view, rnd, tcp)
    if args.sample and args.sample < len(cases):
        cases = rnd.sample(cases, args.sample)
    if len(cases) > args.max:
        sys.stderr.write("dns_diff.py: %d cases, capped to %d\n" % (len(cases), args.max))
        cases = cases[:args.max]
    stats = {"view": args.view, "transport": args.transport, "cases": 0, "identical": 0,
             "byte_identical": 0, "accepted": {}, "passed": {}, "known": {}, "mismatch": 0, "seed": args.seed,
             "strict": {key: strict_for(args, key) for key in KNOWN}}
    mismatches = []
    known = {}
    t0 = time.monotonic()
    for q in cases:
        stats["cases"] += 1
        # both sides silent by design (a response, a message shorter than a
        # header): a short wait; anything else gets the full timeout, so that
        # a slow NSD on a busy machine is not mistaken for silence
        wait = args.silent_timeout if q.pass_ok in ("response", "short message") else args.timeout
        (k, khow), (n, nhow) = (exchange_tcp if tcp else exchange)(q, [args.resolver, args.nsd], wait)
        if args.verbose:
            print("case %s: kernel %s, nsd %s" % (q.desc, khow if k is None else dns.rcode.to_text(k.rcode),
                                                  nhow if n is None else dns.rcode.to_text(n.rcode)))
        if k is None:
            if q.pass_ok:
                stats["passed"][q.pass_ok] = stats["passed"].get(q.pass_ok, 0) + 1
                continue
            why = "kernel path passed it on (%s) but the contract says answer it" % khow
            # K5: dns serve runs at most ENF_DNS_MAX_MSG bytes through the
            # program and relays a longer query; the relay is refused here
            # (nothing listens on the resolver address), so the client's
            # connection closes
            key = ("K5" if khow == "closed" else None) if tcp else "K4"
            if key and len(q.wire) > 1232 and n is not None and n.rcode == dns.rcode.NOERROR:
                if not strict_for(args, key):
                    stats["known"][key] = stats["known"].get(key, 0) + 1
                    known.setdefault(key, []).append((q, why, k, n, nhow))
                    continue
                why = "known product bug %s: %s; %s" % (key, KNOWN[key], why)
            mismatches.append((q, why, k, n, nhow))
            continue
        if q.pass_ok in ("response", "short message"):
            mismatches.append((q, "kernel answered a %s" % q.pass_ok, k, n, nhow))
            continue
        if tcp and q.pass_ok in ("malformed name", "qdcount 0"):
            verdict, cat, why = own_formerr(q, k, n, nhow)
            if verdict == "accepted":
                stats["accepted"][cat] = stats["accepted"].get(cat, 0) + 1
                continue
            if verdict == "known" and not strict_for(args, cat):
                stats["known"][cat] = stats["known"].get(cat, 0) + 1
                known.setdefault(cat, []).append((q, "; ".join(why), k, n, nhow))
                continue
            if verdict == "known":
                mismatches.append((q, "known product bug %s: %s; %s" % (cat, KNOWN[cat], "; ".join(why)),
                                   k, n, nhow))
                continue
        if n is None:
            if q.pass_ok:
                # the kernel answered what it could have passed on, and NSD is silent
                mismatches.append((q, "kernel answered, NSD silent (%s)" % nhow, k, n, nhow))
            else:
                mismatches.append((q, "NSD gave no reply (%s)" % nhow, k, n, nhow))
            continue
        verdict, cat, why = compare(q, k, n, view, tcp)
        if tcp and verdict in ("identical", "accepted") and len(k.wire) > OWN_EDNS_SIZE:
            stats["large"] = stats.get("large", 0) + 1
        if verdict == "identical":
            stats["identical"] += 1
            if k.wire == n.wire:
                stats["byte_identical"] += 1
        elif verdict == "accepted":
            stats["accepted"][cat] = stats["accepted"].get(cat, 0) + 1
            if args.verbose:
                print("accepted [%s] %s" % (cat, q.desc))
        elif verdict == "known" and not strict_for(args, cat):
            stats["known"][cat] = stats["known"].get(cat, 0) + 1
            known.setdefault(cat, []).append((q, "; ".join(why), k, n, "reply"))
        elif verdict == "known":
            mismatches.append((q, "known product bug %s: %s; %s" % (cat, KNOWN[cat], "; ".join(why)),
                               k, n, "reply"))
        else:
            mismatches.append((q, "; ".join(why), k, n, nhow))
    stats["mismatch"] = len(mismatches)
    stats["seconds"] = round(time.monotonic() - t0, 2)

    def show(tag, q, why, k, n, nhow):
        print("%s [%s/%s] %s: %s" % (tag, args.view, args.transport, q.desc, why))
        hx = q.wire.hex()
        print("  query   %s" % (hx if len(hx) <= 240 else "%s... (%d bytes)" % (hx[:240], len(q.wire))))
        print("  kernel: " + ("\n          ".join(k.text().splitlines()) if k else "(no reply)"))
        print("  nsd:    " + ("\n          ".join(n.text().splitlines()) if n else "(no reply: %s)" % nhow))

    for key in sorted(known):
        lst = known[key]
        print("KNOWN BUG %s (%d cases): %s" % (key, len(lst), KNOWN[key]))
        for item in lst[:args.show_known]:
            show("  XFAIL %s" % key, *item)
        if len(lst) > args.show_known:
            print("  ... %d more: %s" % (len(lst) - args.show_known,
                                       ", ".join(x[0].desc for x in lst[args.show_known:])))
    for item in mismatches:
        show("MISMATCH", *item)
    print_table([stats])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(stats, f)
    return 1 if mismatches else 0


def print_table(runs):
    tot = {"cases": 0, "identical": 0, "byte_identical": 0, "mismatch": 0}
    acc, pas, kno = {}, {}, {}
    for r in runs:
        for key in tot:
            tot[key] += r[key]
        for c, v in r["accepted"].items():
            acc[c] = acc.get(c, 0) + v
        for c, v in r["passed"].items():
            pas[c] = pas.get(c, 0) + v
        for c, v in r.get("known", {}).items():
            kno[c] = kno.get(c, 0) + v
    label = ", ".join("%s/%s" % (r["view"], r["transport"]) for r in runs)
    print("differential summary (%s):" % label)
    print("  %-52s %6d" % ("cases", tot["cases"]))
    print("  %-52s %6d" % ("identical (parsed; order-insensitive)", tot["identical"]))
    print("  %-52s %6d" % ("  of which byte-identical", tot["byte_identical"]))
    print("  %-52s %6d" % ("accepted differences", sum(acc.values())))
    for c in sorted(acc):
        print("    %-50s %6d" % (c, acc[c]))
    print("  %-52s %6d" % ("passed on by the kernel path (allowed)", sum(pas.values())))
    for c in sorted(pas):
        print("    %-50s %6d" % (c, pas[c]))
    print("  %-52s %6d" % ("known product bugs (expected failures)", sum(kno.values())))
    for c in sorted(kno):
        print("    %-50s %6d" % ("%s %s" % (c, KNOWN[c][:44]), kno[c]))
    print("  %-52s %6d" % ("mismatches", tot["mismatch"]))
    large = sum(r.get("large", 0) for r in runs)
    if any(r["transport"].startswith("tcp") for r in runs):
        print("  %-52s %6d" % ("TCP replies past 1232 bytes, whole, agreeing", large))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--resolver")
    ap.add_argument("--nsd")
    ap.add_argument("--apex", default="internal")
    ap.add_argument("--zone", help="the view's zone file (NSD serves the same)")
    ap.add_argument("--other-zone", action="append", help="zone files of the other views")
    ap.add_argument("--view", default="rack")
    ap.add_argument("--transport", default="udp4")
    ap.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    ap.add_argument("--max", type=int, default=2000)
    ap.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for a reply")
    ap.add_argument("--silent-timeout", type=float, default=0.3,
                    help="seconds to wait where no reply is expected from either side")
    ap.add_argument("--sample", type=int, help="run a random subset of this many cases")
    # K1-K4 are fixed: any case matching their rules is a regression now;
    # the open ones (not in FIXED) are expected failures unless strict.
    env = os.environ.get("DNS_DIFF_STRICT")
    ap.add_argument("--strict", action="store_const", const=True,
                    default=None if env is None else env not in ("", "0"),
                    help="every known product bug counts as a mismatch (DNS_DIFF_STRICT=1; "
                    "DNS_DIFF_STRICT=0: none does; the default: the fixed ones K1-K4)")
    ap.add_argument("--show-known", type=int, default=2, help="examples printed per known bug")
    ap.add_argument("--verbose", action="store_true", help="one line per case")
    ap.add_argument("--json")
    ap.add_argument("--merge", nargs="+")
    args = ap.parse_args()
    if args.merge:
        runs = []
        for f in args.merge:
            with open(f) as fh:
                runs.append(json.load(fh))
        print_table(runs)
        return 0
    if not (args.resolver and args.nsd and args.zone):
        ap.error("--resolver, --nsd and --zone are required")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
