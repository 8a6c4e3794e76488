"""The frames of dataflow/net/wire.h, for tests that speak to a peer listener with a raw socket:

    frame := length:u32le body,  body := kind:u8 fields,  instance := location:u32 member:u32
"""

import os
import socket
import struct

KIND_HELLO, KIND_CHALLENGE, KIND_PROOF, KIND_ACCEPT, KIND_REFUSE, KIND_DATA = 1, 2, 3, 4, 5, 6


def frame(kind, fields=b""):
    """One whole frame: the length prefix, the kind byte, then `fields`."""
    body = bytes([kind]) + fields
    return struct.pack("<I", len(body)) + body


def hello(fingerprint, frm, to, nonce=None, magic=b"EDDYPEER", version=1):
    """hello: magic version:u16 fingerprint:u64 from:instance to:instance nonce:16B, where an
    instance is a (location, member) pair."""
    nonce = nonce if nonce is not None else os.urandom(16)
    fields = struct.pack("<HQIIII", version, fingerprint, *frm, *to)
    return frame(KIND_HELLO, magic + fields + nonce)


def proof(secret_proof=b""):
    """proof: proof_len:u8 proof (empty without a cluster secret)."""
    return frame(KIND_PROOF, bytes([len(secret_proof)]) + secret_proof)


def data(channel, frm, payload):
    """data: channel:u32 from:instance payload."""
    return frame(KIND_DATA, struct.pack("<III", channel, *frm) + payload)


def recv_frame(sock):
    """Reads one frame; returns (kind, fields), or None when the other side closed first."""
    def exactly(n):
        got = b""
        while len(got) < n:
            try:
                chunk = sock.recv(n - len(got))
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            got += chunk
        return got
    header = exactly(4)
    if header is None:
        return None
    (length,) = struct.unpack("<I", header)
    body = exactly(length)
    if body is None:
        return None
    return body[0], body[1:]


def closed_by_peer(sock):
    """True once the other side closed the connection (reads EOF or a reset); False if the
    socket's timeout passed first. Discards whatever it reads."""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
