#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/: small realistic inputs laid out the way each
target's FuzzedDataProvider reads them (strings from the front, numbers and flags from the back).
Run it after changing how a target reads its input: python3 tests/fuzz/make_seeds.py"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


class Seed:
    """Builds an input for FuzzedDataProvider: front() for byte strings, number() for integral values."""

    def __init__(self):
        self.front_parts = []
        self.back = []  # in the order the provider consumes them (from the end of the data)

    def front(self, data):
        self.front_parts.append(data if isinstance(data, bytes) else data.encode())
        return self

    def string(self, text):
        """ConsumeRandomLengthString: backslashes doubled, ended by a backslash and another character."""
        data = text if isinstance(text, bytes) else text.encode()
        return self.front(data.replace(b"\\", b"\\\\") + b"\\x")

    def number(self, lo, hi, value):
        span = hi - lo
        v = value - lo
        nbytes = 0
        while nbytes < 8 and (span >> (8 * nbytes)) > 0:
            nbytes += 1
        # The provider reads the most significant byte first, from the last byte of the data backwards.
        self.back.extend(((v >> (8 * (nbytes - 1 - i))) & 0xFF) for i in range(nbytes))
        return self

    def flag(self, value):
        self.back.append(1 if value else 0)
        return self

    def data(self):
        return b"".join(self.front_parts) + bytes(reversed(self.back))


def write(target, items):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for item in items:
        data = item.data() if isinstance(item, Seed) else (item if isinstance(item, bytes) else item.encode())
        name = "seed-" + hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def sse_parser():
    streams = [
        ": OPENROUTER PROCESSING\n\n"
        'data: {"id":"gen-1","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}\n\n'
        'data: {"id":"gen-1","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}],'
        '"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\ndata: [DONE]\n\n',
        "event: endpoint\r\ndata: /messages?sessionId=abc\r\n\r\n",
        'id: 7\nevent: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\nretry: 3000\n\n',
        "\xef\xbb\xbfdata: first line\ndata: second line\n\ndata:no space\rdata: cr only\r\r",
        "data: an event without its blank line",
        ": comment\n:\nunknown: field\ndata\n\n",
    ]
    seeds = []
    for i, s in enumerate(streams):
        cuts = [[], [0, 0, 0, 5], [2, 40, 1]][i % 3]
        seeds.append(Seed().number(16, 4096, 4096).number(0, 16, len(cuts)).front(bytes(cuts)).front(s))
    seeds.append(Seed().number(16, 4096, 20).number(0, 16, 0).front("data: " + "x" * 40 + "\n\n"))
    return seeds


def multipart():
    body = (
        "--XyZ\r\n"
        'Content-Disposition: form-data; name="file"; filename="notes \\"draft\\".txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
        "hello\r\nworld\r\n"
        "--XyZ\r\n"
        'Content-Disposition: form-data; name="purpose"\r\n\r\n'
        "chat\r\n"
        "--XyZ--\r\n"
    )
    ext = (
        "preamble\r\n--XyZ \t\r\n"
        "Content-Disposition: form-data; name=file; filename*=UTF-8''%E2%82%AC%20rates.pdf\r\n\r\n"
        "%PDF-1.4\r\n--XyZ--"
    )
    seeds = []
    for b, ct, cuts in [
        (body, "multipart/form-data; boundary=XyZ", []),
        (body, 'multipart/form-data; boundary="XyZ"', [0, 3, 7, 1]),
        (ext, "Multipart/Form-Data; charset=utf-8; boundary=XyZ", [5, 5]),
        ("--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n\r\nx\r\n--XyZ--",
         "multipart/form-data; boundary=XyZ", []),
    ]:
        seeds.append(
            Seed().flag(True).number(8, 512, 512).number(1, 8, 8).number(0, 512, 512).string(ct)
            .number(0, 24, len(cuts)).front(bytes(cuts)).front(b)
        )
    # A generated form: two parts, one with a file name and a type.
    seeds.append(
        Seed().flag(False).number(0, 2**32 - 1, 12345).number(0, 24, 2).front(bytes([3, 9])).flag(True)
        .number(1, 4, 2)
        .string("file").flag(True).string('report "final".txt').flag(True).string("text/plain")
        .string("line 1\r\nline 2\r\n")
        .string("purpose").flag(False).flag(False).string("chat")
    )
    return seeds


def json_rpc():
    stdio = (
        '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},'
        '"serverInfo":{"name":"demo","version":"1.0"}}}\r\n'
        "\n"
        '{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n'
        '{"jsonrpc":"2.0","id":"srv-1","method":"ping"}\n'
        '{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found"}}\n'
        '[{"jsonrpc":"2.0","id":3,"result":{"tools":[],"nextCursor":"c2"}},{"jsonrpc":"2.0","method":"x"}]\n'
        "starting server on stdio...\n"
    )
    sse = (
        'event: message\ndata: {"jsonrpc":"2.0","id":4,"result":{"content":[{"type":"text","text":"42"}],'
        '"isError":false}}\n\n'
        'data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":4,"progress":1}}\n\n'
    )
    items = [
        (0, stdio),
        (1, sse),
        (2, '{"jsonrpc":"2.0","id":1.0,"result":{}}'),
        (2, '{"jsonrpc":"2.0","id":"18446744073709551615","result":null}'),
        (2, "[]"),
        (3, "tools/call"),
    ]
    return [Seed().number(0, 3, mode).front(text) for mode, text in items]


def chat_request():
    bodies = [
        {"messages": [{"role": "user", "content": "Hello"}]},
        {
            "session_id": "s-1",
            "model": "openai/gpt-4o",
            "temperature": 0.7,
            "max_tokens": 256,
            "tool_choice": "auto",
            "stop": ["\n\n"],
            "metadata": {"client_assistant_message_id": "a1", "client_parent_message_id": "u1"},
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                             {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}],
                 "client_message_id": "u1"},
                {"role": "assistant", "content": None,
                 "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "calc", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "4"},
            ],
        },
        {"messages": [], "top_k": 1.5, "logit_bias": {"50256": "x"}, "tools": [1], "reasoning": []},
        {"messages": [{"role": "robot"}], "session_id": ""},
    ]
    return [json.dumps(b) for b in bodies]


def local_signing():
    key = bytes.fromhex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
    seeds = []
    for target in [
        "/api/files/sess-1/a1b2c3__photo.png?exp=1760000000&sig=" + "0" * 64,
        "/api/files/a%2Fb/..%2F..%2Fetc%2Fpasswd?exp=0012&sig=zz",
        "/api/files?exp=1&sig=1",
    ]:
        seeds.append(Seed().number(0, 64, len(key)).front(key).number(0, 4_000_000_000, 1_700_000_000)
                     .number(0, 2, 0).front(target))
    seeds.append(Seed().number(0, 64, len(key)).front(key).number(0, 4_000_000_000, 1_700_000_000)
                 .number(0, 2, 1).string("0f3c-session").string("9a8b7c6d").string("résumé (final).pdf")
                 .number(0, 999_999_999_999, 1_800_000_000).number(0, 200, 30).number(0, 255, ord("X")))
    seeds.append(Seed().number(0, 64, 3).front(b"key").number(0, 4_000_000_000, 1_900_000_000)
                 .number(0, 2, 2).string("folder/sub folder/ü.txt")
                 .number(0, 999_999_999_999, 1_800_000_000).number(0, 200, 60).number(0, 255, ord("%")))
    return seeds


def http_request():
    heads = [
        "GET /api/chat/session/abc%20def/messages?limit=50&before=10 HTTP/1.1\r\nHost: localhost:8000\r\n"
        "Authorization: Bearer t0ken\r\nAccept: */*\r\n\r\n",
        "POST /api/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nOrigin: http://127.0.0.1:8000\r\n\r\n{}",
        "HEAD /api/files/s/a__b.png?exp=1&sig=ab HTTP/1.0\r\n\r\n",
        "PUT /api/presets/My%20Preset HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "DELETE /api/suggestions/3 HTTP/1.1\r\nHost: x\r\nCookie: parley_session=abc; theme=dark\r\n\r\n",
        "PATCH /api/models HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/presets/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /api/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        "Expect: 100-continue\r\nContent-Length: 10\r\n\r\n",
    ]
    seeds = []
    for i, h in enumerate(heads):
        cuts = [[], [0, 1, 2], [3]][i % 3]
        seeds.append(Seed().number(0, 8, len(cuts)).front(bytes(cuts)).front(h))
    return seeds


def dotenv():
    files = [
        "# parley\nOPENROUTER_API_KEY=sk-or-v1-abc\nexport PARLEY_AUTH_TOKEN=\"t0k\\\"en\"\r\n"
        "PARLEY_PORT = 8000 # the port\nEMPTY=\nSINGLE='a b # c'\nbad line\n1=ok\n",
        "A=\"unterminated\nB='x'y\n",
    ]
    seeds = [Seed().flag(True).front(f) for f in files]
    seeds.append(Seed().flag(False).string("OPENROUTER_API_KEY").number(0, 2, 0).flag(True).front('sk-"quoted"\\n'))
    seeds.append(Seed().flag(False).string("TOKEN").number(0, 2, 2).flag(False).front("abc=def"))
    return seeds


def log_settings():
    files = [
        "[logging]\n# levels: debug, info, warning, error, off\nterminal = info\nsessions = debug\n"
        "conversations = off\nretention_hours = 48\n",
        "terminal=loud\nretention_hours=-1\nretention_hours=99999999999\nnope\ncolour = blue\r\n",
    ]
    seeds = [Seed().flag(True).front(f) for f in files]
    seeds.append(Seed().flag(False).number(0, 5, 0).number(0, 5, 3).number(1, 1_000_000, 24).flag(True)
                 .string("written by hand"))
    return seeds


def redact():
    texts = [
        "POST https://openrouter.ai/api/v1/chat/completions failed: 401 {\"error\":{\"message\":\"bad key\"}}",
        "Authorization: Bearer sk-or-v1-0123456789abcdef\nCookie: parley_session=abcdef0123456789",
        "{\"api_key\":\"AKIAIOSFODNN7EXAMPLE\",\"password\":\"hunter22\"}",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
        "image data:image/png;base64," + "iVBORw0KGgo" * 40,
        "https://storage.googleapis.com/b/o?X-Goog-Signature=abc123&X-Goog-Credential=x%2Fy",
    ]
    seeds = []
    for i, t in enumerate(texts):
        s = Seed()
        # secret token, other secret, bearer, signature, then the pieces
        s.number(6, 48, 12)
        for c in range(12):
            s.number(0, 255, c)
        s.string("sk-or-v1-0123456789abcdef")
        for first in (16, 32):  # the bearer token, then the URL signature
            s.number(16, 48, 16)
            for c in range(first, first + 16):
                s.number(0, 255, c)
        for piece in [3, 0, 3, 1, 2]:
            s.number(0, 4, piece)
            if piece >= 3:
                s.string(t if piece == 3 else "")
        seeds.append(s)
    return seeds


def conversation_markdown():
    seeds = []
    rows = [
        ("user", '"How do I sort a list in Python?"', "{}"),
        ("assistant", '"Use `sorted()`:\\n```python\\nsorted(xs)\\n```"',
         '{"model":"openai/gpt-4o","reasoning":[{"text":"simple"}],"tool_calls":[{"id":"c1","type":"function",'
         '"function":{"name":"calc__eval","arguments":"{\\"expr\\":\\"1+1\\"}"}}],"finish_reason":"stop"}'),
        ("tool", '"````\\nresult with ``` fences\\n````"', '{"tool_name":"calc__eval","tool_status":"error"}'),
        ("user", '[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"/api/files/s/a__x.png"},'
         '"metadata":{"filename":"x.png"}},{"type":"file","file":{}}]', "{}"),
    ]
    roles = ["system", "user", "assistant", "tool", "other"]
    s = Seed().string("sess-1").number(0, 4102444800000, 1_700_000_000_000).flag(True).string("Sorting # lists")
    s.number(0, 4102444800000, 1_700_000_100_000)
    for role, content, metadata in rows:
        s.number(0, 4, roles.index(role)).flag(role == "tool").flag(False).flag(False)
        if role == "tool":
            s.string("c1")
        s.number(0, 4102444800000, 1_700_000_000_000).string(content).string(metadata)
    seeds.append(s)
    return seeds


if __name__ == "__main__":
    write("sse_parser", sse_parser())
    write("multipart_parser", multipart())
    write("json_rpc", json_rpc())
    write("chat_request", chat_request())
    write("local_signing", local_signing())
    write("http_request", http_request())
    write("dotenv", dotenv())
    write("log_settings", log_settings())
    write("redact", redact())
    write("conversation_markdown", conversation_markdown())
