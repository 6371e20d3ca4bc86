#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""
selftests/e2e/dns_serve_e2e.py: the TCP clients of selftests/e2e/dns_serve_e2e.sh.

Run inside a client namespace (ip netns exec). Every message is built byte by
byte here, so every header bit, count and EDNS field is ours to set, and
every wait is bounded (SECS). Each mode prints key=value lines for the shell.

    pipeline ADDR PORT SECS NAME/TYPE...
        every query on one connection in one write; one line per reply as it
        arrives: `reply id=.. name=.. rcode=.. aa=.. an=.. ttl=.. data=a,b t=S`
        (S: seconds from the start of the connect to this reply),
        then `missing id=.. name=..` for each query left unanswered.
    pipeline_shut ADDR PORT SECS NAME/TYPE...
        the same, closing the write side after the queries (shutdown): all
        the replies must come all the same, then `then closed` (the server
        ends the connection) or `then open`.
    own ADDR PORT SECS CASE NAME
        one crafted message (CASE: status, label64, type01, type10, pointer,
        long, twoopt, badopt, edns1, response); prints `reply ...` (header
        fields, the OPT's version and extended rcode) or `noreply closed|open`.
        After `response` a normal query follows on the same connection: the
        one reply must be that query's.
    drip ADDR PORT INTERVAL SECS
        one byte of a query every INTERVAL s; `closed T` (T from the first
        byte until the server closed) or `open T`.
    idle ADDR PORT SECS [NAME]
        connect, send nothing (or one query for NAME first: `answered ...`);
        `closed T got=BYTES` (T from the connect or the answer) or `open T`.
    evict ADDR PORT N NAME
        N connections, the first with one byte of a query in flight, the
        others idle, the second longest (the rest had a query answered
        since); `before partial=1 idle=1,1,..`; one more connection and a
        query on it (`new ...`); `after ...`: which the server closed to
        make room.
    persource ADDR PORT N NAME READY STOP SECS
        N connections held, then one more (`extra closed T got=BYTES` or
        `extra open`); a query on a held connection (`held_query rcode=..`);
        then touches READY and holds until STOP exists (or SECS), and prints
        `held_open N` (how many of the N the server still keeps).
    hostile ADDR PORT N SRC_FIRST N_SRC READY STOP SECS
        N connections from N_SRC source addresses (SRC_FIRST and the ones
        after it), half idle, half dripping one byte a second; each the
        server closes is opened again 0.5 s later (at most 6000 connects);
        touches READY once all N were opened, ends at STOP or SECS, prints
        what the server did to them (see summary()).
"""
import ipaddress
import os
import select
import socket
import struct
import sys
import time

T = {"A": 1, "NS": 2, "SOA": 6, "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41}
TN = {v: k for k, v in T.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
          16: "BADVERS"}


def wire_name(text):
    out = b""
    for lab in text.strip(".").split("."):
        if lab:
            out += bytes([len(lab)]) + lab.encode()
    return out + b"\x00"


def opt_rr(version=0, rdata=b"", owner=b"\x00"):
    return owner + struct.pack(">HHBBHH", 41, 1232, 0, version, 0, len(rdata)) + rdata


def message(qid, qname, qtype="A", flags=0x0100, opt=None, ar_extra=b"", n_ar_extra=0):
    """A query: header, one question (qname wire bytes or text), OPT records."""
    q = qname if isinstance(qname, bytes) else wire_name(qname)
    ar = b""
    n_ar = 0
    if opt is not None:
        ar += opt
        n_ar += 1
    ar += ar_extra
    n_ar += n_ar_extra
    return struct.pack(">HHHHHH", qid, flags, 1, 0, 0, n_ar) + q + \
        struct.pack(">HH", T[qtype], 1) + ar


def framed(msg):
    return struct.pack(">H", len(msg)) + msg


def read_name(m, off):
    """(text, next offset) of the name at m[off], following pointers."""
    labels, jumped, end, hops = [], False, off, 0
    while True:
        if off >= len(m) or hops > 128:
            raise ValueError("name runs off the message")
        b = m[off]
        if b == 0:
            off += 1
            break
        if b & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = (b & 0x3F) << 8 | m[off + 1]
            jumped, hops = True, hops + 1
            continue
        labels.append(m[off + 1:off + 1 + b].decode("ascii", "replace"))
        off += 1 + b
    return ".".join(labels) + ".", (end if jumped else off)


def parse(m):
    """The fields of a reply the suite checks."""
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", m[:12])
    r = {"id": qid, "qr": flags >> 15, "opcode": (flags >> 11) & 15, "aa": (flags >> 10) & 1,
         "tc": (flags >> 9) & 1, "rd": (flags >> 8) & 1, "ra": (flags >> 7) & 1,
         "rcode": flags & 15, "qd": qd, "an": an, "ns": ns, "ar": ar, "name": "-", "type": "-",
         "opt": 0, "optver": "-", "data": [], "ttl": "-"}
    off = 12
    for _ in range(qd):
        r["name"], off = read_name(m, off)
        r["type"] = TN.get(struct.unpack(">H", m[off:off + 2])[0], "?")
        off += 4
    ext = 0
    for i in range(an + ns + ar):
        _, off = read_name(m, off)
        rtype, _, ttl, rdlen = struct.unpack(">HHIH", m[off:off + 10])
        rd = m[off + 10:off + 10 + rdlen]
        off += 10 + rdlen
        if rtype == 41:
            r["opt"] += 1
            ext = ttl >> 24
            r["optver"] = (ttl >> 16) & 0xFF
        elif i < an:
            r["ttl"] = ttl
            if rtype == 1:
                r["data"].append(socket.inet_ntop(socket.AF_INET, rd))
            elif rtype == 28:
                r["data"].append(socket.inet_ntop(socket.AF_INET6, rd))
            else:
                r["data"].append(TN.get(rtype, str(rtype)))
    code = ext << 4 | r["rcode"]
    r["rcode"] = RCODES.get(code, str(code))
    return r


def show(r):
    keys = ["id", "name", "type", "rcode", "qr", "opcode", "aa", "tc", "rd", "ra", "qd", "an", "ns",
            "ar", "opt", "optver", "ttl"]
    return " ".join("%s=%s" % (k, r[k]) for k in keys) + " data=" + \
        (",".join(sorted(r["data"])) or "-")


def connect(addr, port, secs, src=None):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(secs)
    s.connect((addr, port))
    return s


class Reader:
    """Length-prefixed messages from a stream, each read bounded by a deadline."""

    def __init__(self, sock):
        self.s, self.buf, self.eof = sock, b"", False

    def next(self, deadline):
        """The next message, or None at EOF / reset / the deadline."""
        while True:
            if len(self.buf) >= 2:
                n = struct.unpack(">H", self.buf[:2])[0]
                if len(self.buf) >= 2 + n:
                    m, self.buf = self.buf[2:2 + n], self.buf[2 + n:]
                    return m
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                d = b""
            if not d:
                self.eof = True
            self.buf += d


def wait_closed(s, secs):
    """Seconds until the peer closed `s` (EOF or reset), None if it did not
    within secs. Anything received on the way counts in the second value."""
    start, got = time.monotonic(), 0
    while True:
        left = start + secs - time.monotonic()
        if left <= 0:
            return None, got
        s.settimeout(left)
        try:
            d = s.recv(4096)
        except socket.timeout:
            return None, got
        except OSError:
            d = b""
        if not d:
            return time.monotonic() - start, got
        got += len(d)


def mode_pipeline(addr, port, secs, queries, shut=False):
    start = time.monotonic()
    s = connect(addr, port, secs)
    want, data = {}, b""
    for i, q in enumerate(queries):
        name, qtype = q.rsplit("/", 1)
        qid = 0x1000 + i * 17
        want[qid] = name
        data += framed(message(qid, name, qtype))
    s.sendall(data)
    if shut:            # nothing more to send: the replies must still come
        s.shutdown(socket.SHUT_WR)
    rd, deadline = Reader(s), time.monotonic() + secs
    while want:
        m = rd.next(deadline)
        if m is None:
            break
        r = parse(m)
        if r["id"] not in want:
            print("unexpected " + show(r))
            continue
        del want[r["id"]]
        print("reply %s t=%.4f" % (show(r), time.monotonic() - start))
    for qid, name in sorted(want.items()):
        print("missing id=%d name=%s" % (qid, name))
    if shut and not want:
        print("then %s" % ("closed" if rd.next(time.monotonic() + 2) is None and rd.eof
                           else "open"))
    s.close()


def own_message(case, name):
    """The crafted message of mode `own`."""
    lab63 = "a" * 63
    if case == "status":       # opcode 2, RD set
        return message(0x2001, name, flags=(2 << 11) | 0x0100)
    if case == "label64":
        return message(0x2002, "b" * 64 + "." + name)
    if case == "type01":       # label type bits 01 (extended)
        return message(0x2003, b"\x41" + b"x" * 1 + wire_name(name))
    if case == "type10":       # label type bits 10 (reserved)
        return message(0x2004, b"\x81x" + wire_name(name))
    if case == "pointer":      # a compression pointer in the question (to itself)
        return message(0x2005, b"\x03www\xc0\x0c")
    if case == "long":         # 4 x 63-octet labels + the name: over 255 octets
        return message(0x2006, ".".join([lab63] * 4) + "." + name)
    if case == "twoopt":
        return message(0x2007, name, opt=opt_rr(), ar_extra=opt_rr(), n_ar_extra=1)
    if case == "badopt":       # an option whose length runs past the OPT's rdata
        return message(0x2008, name, opt=opt_rr(rdata=struct.pack(">HH", 10, 8) + b"abcd"))
    if case == "edns1":
        return message(0x2009, name, opt=opt_rr(version=1))
    if case == "edns0":
        return message(0x200A, name, opt=opt_rr())
    if case == "noedns":
        return message(0x200B, name)
    if case == "response":     # QR set: never answered
        return message(0x200C, name, flags=0x8100)
    raise SystemExit("unknown case " + case)


def mode_own(addr, port, secs, case, name):
    s = connect(addr, port, secs)
    data = framed(own_message(case, name))
    if case == "response":     # then a query the server must answer
        data += framed(message(0x200D, name))
    s.sendall(data)
    rd = Reader(s)
    m = rd.next(time.monotonic() + secs)
    if m is None:
        print("noreply " + ("closed" if rd.eof else "open"))
    else:
        print("reply " + show(parse(m)))
    s.close()


def mode_drip(addr, port, interval, secs):
    s = connect(addr, port, secs)
    msg = framed(message(0x3001, "web.internal"))
    first, t = time.monotonic(), None
    for i in range(len(msg)):
        s.setblocking(False)
        try:
            s.send(msg[i:i + 1])
        except OSError:
            break
        t, got = wait_closed(s, interval)
        if t is not None or time.monotonic() - first > secs:
            break
    now = time.monotonic() - first
    print("%s %.2f" % ("closed" if t is not None else "open", now))
    s.close()


def mode_idle(addr, port, secs, name=None):
    s = connect(addr, port, secs)
    if name:            # one whole query first: the idle time counts from it
        s.sendall(framed(message(0x3002, name)))
        m = Reader(s).next(time.monotonic() + secs)
        print("answered " + (show(parse(m)) if m else "none"))
    t, got = wait_closed(s, secs)
    print("closed %.2f got=%d" % (t, got) if t is not None else "open %.2f" % secs)
    s.close()


def is_open(s):
    """True while the peer has not closed `s` (nothing to read, no EOF)."""
    timeout = s.gettimeout()
    s.setblocking(False)
    try:
        d = s.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.settimeout(timeout)
    return len(d) > 0


def mode_persource(addr, port, n, name, ready, stop, secs):
    end = time.monotonic() + secs
    held = [connect(addr, port, 2) for _ in range(n)]
    time.sleep(0.3)
    print("held %d" % sum(is_open(s) for s in held))
    extra = connect(addr, port, 2)
    try:
        extra.sendall(framed(message(0x4001, name)))
    except OSError:
        pass
    t, got = wait_closed(extra, 2)
    print("extra closed %.2f got=%d" % (t, got) if t is not None else "extra open")
    extra.close()
    held[0].sendall(framed(message(0x4002, name)))
    m = Reader(held[0]).next(time.monotonic() + 2)
    print("held_query " + (show(parse(m)) if m else "none"))
    # the server closes that connection after its one answer; the FIN may
    # come a moment after the reply (slower under the sanitizers)
    if m:
        wait_closed(held[0], 2)
    with open(ready, "w"):
        pass
    while not os.path.exists(stop) and time.monotonic() < end:
        time.sleep(0.05)
    print("held_open %d" % sum(is_open(s) for s in held))
    for s in held:
        s.close()


def mode_evict(addr, port, n, name):
    """n connections (the server's whole pool): the first with one byte of a
    query in flight, the others idle (all but the second since an answer);
    then one more."""
    partial = connect(addr, port, 2)
    partial.sendall(b"\x00")
    idle = []
    for _ in range(n - 1):
        time.sleep(0.05)
        idle.append(connect(addr, port, 2))
    time.sleep(0.3)
    for i, s in enumerate(idle[1:]):    # all but the first have had an answer since
        s.sendall(framed(message(0x6010 + i, name)))
        if Reader(s).next(time.monotonic() + 2) is None:
            print("no answer on connection %d" % (i + 3))
    time.sleep(0.1)
    print("before partial=%d idle=%s" % (is_open(partial),
                                          ",".join(str(int(is_open(s))) for s in idle)))
    new = connect(addr, port, 2)
    new.sendall(framed(message(0x6001, name)))
    m = Reader(new).next(time.monotonic() + 2)
    print("new " + (show(parse(m)) if m else "none"))
    # the one the server should have closed: its FIN may trail the answer
    wait_closed(idle[0], 1)
    time.sleep(0.1)
    print("after partial=%d idle=%s" % (is_open(partial),
                                         ",".join(str(int(is_open(s))) for s in idle)))
    for s in [partial, new] + idle:
        s.close()


class Conn:
    def __init__(self, kind, src):
        self.kind, self.src = kind, src
        self.sock = self.t0 = self.t_first = None
        self.sent = 0


def summary(conns, cut, away, last_poll):
    """Per kind, by the time from a connection's first byte (drip) or its
    connect (idle) to its close as seen: turned away (under 1.5 s: the pool
    was full, it was closed when accepted; under load a client may notice
    that late), cut (from 1.5 s: held, then closed at the 2 s deadline; its
    least and greatest), late (still open more than 3.0 s after it: the
    poll before the one that saw the close had not seen it), survived
    (still open at the last poll, more than 3.0 s after it)."""
    for kind in ("idle", "drip"):
        c = sorted(hi for hi, _ in cut[kind])
        late = sum(1 for _, lo in cut[kind] if lo > 3.0)
        surv = sum(1 for x in conns if x.kind == kind and x.sock and
                   last_poll - (x.t_first or x.t0) > 3.0)
        print("%s turned_away=%d cut=%d cut_min=%s cut_max=%s late=%d survived=%d" % (
            kind, away[kind], len(c), "%.2f" % c[0] if c else "-",
            "%.2f" % c[-1] if c else "-", late, surv))


def mode_hostile(addr, port, n, src_first, n_src, ready, stop, secs):
    end = time.monotonic() + secs
    first = ipaddress.ip_address(src_first)
    srcs = [str(first + i) for i in range(n_src)]
    msg = framed(message(0x5001, "web.internal"))
    conns = [Conn("idle" if i % 2 else "drip", srcs[i % n_src]) for i in range(n)]
    cut = {"idle": [], "drip": []}
    away = {"idle": 0, "drip": 0}
    byfd, poll, connects, failed = {}, select.poll(), 0, 0
    reopen = {}

    def open_conn(c):
        nonlocal connects, failed
        connects += 1
        try:
            c.sock = connect(addr, port, 1, c.src)
        except OSError:
            failed += 1
            c.sock = None
            reopen[c] = time.monotonic() + 0.5
            return
        c.sock.setblocking(False)
        c.t0, c.t_first, c.sent = time.monotonic(), None, 0
        byfd[c.sock.fileno()] = c
        poll.register(c.sock, select.POLLIN)
        if c.kind == "drip":
            send_byte(c)

    def send_byte(c):
        try:
            c.sock.send(msg[c.sent:c.sent + 1])
        except OSError:
            return
        if c.t_first is None:
            c.t_first = time.monotonic()
        c.sent += 1

    def closed(c, prev_poll):
        t = time.monotonic() - (c.t_first or c.t0)
        if t < 1.5:
            away[c.kind] += 1
        else:   # seen now; the previous poll saw it open
            cut[c.kind].append((t, prev_poll - (c.t_first or c.t0)))
        poll.unregister(c.sock)
        del byfd[c.sock.fileno()]
        c.sock.close()
        c.sock = None
        reopen[c] = time.monotonic() + 0.5

    for c in conns:
        open_conn(c)
    with open(ready, "w"):
        pass
    prev_poll = lag = 0
    while time.monotonic() < end and not os.path.exists(stop):
        events = poll.poll(50)
        now = time.monotonic()
        if prev_poll:
            lag = max(lag, now - prev_poll)
        for fd, _ in events:
            c = byfd[fd]
            try:
                d = c.sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                d = b""
            if not d:
                closed(c, prev_poll or now)
        prev_poll = now
        for c in conns:
            if c.sock and c.kind == "drip" and c.t_first is not None and \
                    c.sent < len(msg) and now >= c.t_first + c.sent:  # a byte a second
                send_byte(c)
        for c, when in list(reopen.items()):
            if now >= when and connects < 6000:
                del reopen[c]
                open_conn(c)
    print("connects=%d failed=%d open_at_end=%d poll_gap_max=%.2f" % (
        connects, failed, sum(1 for c in conns if c.sock), lag))
    summary(conns, cut, away, prev_poll)
    for c in conns:
        if c.sock:
            c.sock.close()


def main(a):
    mode = a[0]
    if mode in ("pipeline", "pipeline_shut"):
        mode_pipeline(a[1], int(a[2]), float(a[3]), a[4:], mode == "pipeline_shut")
    elif mode == "own":
        mode_own(a[1], int(a[2]), float(a[3]), a[4], a[5])
    elif mode == "drip":
        mode_drip(a[1], int(a[2]), float(a[3]), float(a[4]))
    elif mode == "idle":
        mode_idle(a[1], int(a[2]), float(a[3]), a[4] if len(a) > 4 else None)
    elif mode == "evict":
        mode_evict(a[1], int(a[2]), int(a[3]), a[4])
    elif mode == "persource":
        mode_persource(a[1], int(a[2]), int(a[3]), a[4], a[5], a[6], float(a[7]))
    elif mode == "hostile":
        mode_hostile(a[1], int(a[2]), int(a[3]), a[4], int(a[5]), a[6], a[7], float(a[8]))
    else:
        raise SystemExit("usage: see the docstring")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except OSError as e:
        print("error %s" % e)
        sys.exit(1)
