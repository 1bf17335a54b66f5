"""util/toml against Python's tomllib, through the test-only tool toml2json (built next to the
venvsync binary with VENVSYNC_TESTS): valid documents (hand-written and randomly generated,
seeded) must read to the same data; invalid ones must be refused by both; random mutations of
valid documents must be accepted or refused by both alike; and the writer's output
(toml2json --rewrite) must read back, with tomllib, to the data of the original, and be a fixed
point of rewriting."""
import datetime
import json
import math
import os
import random
import re
import subprocess
import tomllib

import pytest

from conftest import BIN

TOOL = os.path.join(os.path.dirname(BIN), "toml2json")


@pytest.fixture(scope="module")
def tool():
    if not os.path.exists(TOOL):
        pytest.fail(f"{TOOL} is missing: build with -DVENVSYNC_TESTS=ON")
    return TOOL


def run_lines(tool, tmp_path, docs, *flags):
    """Runs toml2json --lines on every document (bytes or str); a list of ("ok", value) or
    ("error", message)."""
    paths = []
    for i, d in enumerate(docs):
        p = tmp_path / f"doc{len(paths)}_{i}.toml"
        p.write_bytes(d.encode() if isinstance(d, str) else d)
        paths.append(str(p))
    out = []
    for start in range(0, len(paths), 400):
        chunk = paths[start:start + 400]
        r = subprocess.run([tool, "--lines", *flags, *chunk], capture_output=True, timeout=300)
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        rows = r.stdout.split(b"\n")[:-1]      # (not splitlines: strings may hold U+2028)
        assert len(rows) == len(chunk), r.stderr.decode(errors="replace")
        for row in rows:
            j = json.loads(row)
            out.append(("ok", j["ok"]) if "ok" in j else ("error", j["error"]))
    for p in paths:
        os.unlink(p)
    return out


# ---- our tagged JSON -> Python values as tomllib makes them ------------------------------------

DT_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$")
TIME_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$")


def micro(frac):
    return int((frac or "0")[:6].ljust(6, "0"))


def untag(v):
    if isinstance(v, list):
        return [untag(x) for x in v]
    if set(v) == {"type", "value"} and isinstance(v["type"], str) and isinstance(v["value"], str):
        t, s = v["type"], v["value"]
        if t == "string":
            return s
        if t == "integer":
            return int(s)
        if t == "float":
            return float(s)
        if t == "bool":
            assert s in ("true", "false")
            return s == "true"
        if t in ("datetime", "datetime-local"):
            m = DT_RE.match(s)
            assert m, s
            y, mo, d, h, mi, sec, frac, off = m.groups()
            tz = None
            if t == "datetime":
                assert off, s
                if off == "Z":
                    tz = datetime.timezone.utc
                else:
                    sign = -1 if off[0] == "-" else 1
                    tz = datetime.timezone(sign * datetime.timedelta(hours=int(off[1:3]),
                                                                     minutes=int(off[4:6])))
            else:
                assert not off, s
            return datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec),
                                     micro(frac), tzinfo=tz)
        if t == "date-local":
            return datetime.date.fromisoformat(s)
        if t == "time-local":
            m = TIME_RE.match(s)
            assert m, s
            h, mi, sec, frac = m.groups()
            return datetime.time(int(h), int(mi), int(sec), micro(frac))
    return {k: untag(x) for k, x in v.items()}


def same(a, b, path="$"):
    """Strict equality: same types (a bool is not an int), NaN equals NaN, -0.0 is not 0.0,
    same key order, same time zone offsets."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} {a!r} vs {type(b).__name__} {b!r}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} vs {list(b)}"
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        if math.isnan(a):
            assert math.isnan(b), f"{path}: {a} vs {b}"
        else:
            assert a == b and math.copysign(1, a) == math.copysign(1, b), f"{path}: {a} vs {b}"
    elif isinstance(a, datetime.datetime):
        assert a == b and a.utcoffset() == b.utcoffset() and a.replace(tzinfo=None) == \
            b.replace(tzinfo=None), f"{path}: {a} vs {b}"
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def same_unordered(a, b, path="$"):
    """Like same() but table keys in any order (the writer puts plain keys before sub-tables)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), f"{path}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            same_unordered(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            same_unordered(x, y, f"{path}[{i}]")
    else:
        same(a, b, path)


def tomllib_loads(doc):
    """tomllib's reading of the bytes, or None when it refuses them (not UTF-8 included)."""
    if isinstance(doc, bytes):
        try:
            doc = doc.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        return tomllib.loads(doc)
    except tomllib.TOMLDecodeError:
        return None


# ---- hand-written documents --------------------------------------------------------------------

VALID = [
    "",
    "# only a comment\n",
    "\n\n  \t\n",
    'a = 1',
    'a = 1\r\nb = 2\r\n',
    'key = "value"\nbare_key = "v"\nbare-key = "v"\n1234 = "v"\n',
    '"127.0.0.1" = "v"\n"character encoding" = "v"\n"ʎǝʞ" = "v"\n\'key2\' = "v"\n\'quoted "value"\' = "v"\n',
    '"" = "blank"\n',
    "'' = 'blank'\n",
    'name = "Orange"\nphysical.color = "orange"\nphysical.shape = "round"\nsite."google.com" = true\n',
    'fruit.name = "banana"\nfruit. color = "yellow"\nfruit . flavor = "banana"\n',
    'apple.type = "fruit"\norange.type = "fruit"\napple.skin = "thin"\norange.skin = "thick"\n',
    '3.14159 = "pi"\n',
    'str = "I\'m a string. \\"You can quote me\\". Name\\tJos\\u00E9\\nLocation\\tSF."\n',
    'e = "\\b\\t\\n\\f\\r\\"\\\\ \\u0041 \\U0001F600 \\u0000 \\U0010FFFF"\n',
    'str1 = """\nRoses are red\nViolets are blue"""\n',
    'str1 = "The quick brown fox jumps over the lazy dog."\nstr2 = """\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog."""\nstr3 = """\\\n       The quick brown \\\n       fox jumps over \\\n       the lazy dog.\\\n       """\n',
    'str4 = """Here are two quotation marks: "". Simple enough."""\nstr5 = """Here are three quotation marks: ""\\"."""\nstr6 = """Here are fifteen quotation marks: ""\\"""\\"""\\"""\\"""\\"."""\nstr7 = """"This," she said, "is just a pointless statement.""""\n',
    "winpath  = 'C:\\Users\\nodejs\\templates'\nwinpath2 = '\\\\ServerX\\admin$\\system32\\'\nquoted   = 'Tom \"Dubs\" Preston-Werner'\nregex    = '<\\i\\c*\\s*>'\n",
    "regex2 = '''I [dw]on't need \\d{2} apples'''\nlines  = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''\n",
    "quot15 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\napos15 = \"Here are fifteen apostrophes: '''''''''''''''\"\nstr = ''''That,' she said, 'is still pointless.''''\n",
    'ml = """a\r\nb\\\r\n   c"""\r\n',
    "ml = '''\r\na\r\nb'''\r\n",
    'tab = "a\tb"\nlit = \'a\tb\'\n# comment with tab\there\n',
    'int1 = +99\nint2 = 42\nint3 = 0\nint4 = -17\nint5 = 1_000\nint6 = 5_349_221\nint7 = 53_49_221\nint8 = 1_2_3_4_5\n',
    'hex1 = 0xDEADBEEF\nhex2 = 0xdeadbeef\nhex3 = 0xdead_beef\noct1 = 0o01234567\noct2 = 0o755\nbin1 = 0b11010110\nz = 0x0\nzz = 0o0_0\n',
    'max = 9223372036854775807\nmin = -9223372036854775808\nhmax = 0x7FFFFFFFFFFFFFFF\nomax = 0o777777777777777777777\nbmax = 0b111111111111111111111111111111111111111111111111111111111111111\n',
    'pz = +0\nnz = -0\n',
    'flt1 = +1.0\nflt2 = 3.1415\nflt3 = -0.01\nflt4 = 5e+22\nflt5 = 1e06\nflt6 = -2E-2\nflt7 = 6.626e-34\nflt8 = 224_617.445_991_228\n',
    'sf1 = inf\nsf2 = +inf\nsf3 = -inf\nsf4 = nan\nsf5 = +nan\nsf6 = -nan\nz = -0.0\nz2 = +0.0\ne = 0e0\ne2 = 1e-0_1\n',
    'big = 1e400\nsmall = 1e-400\nlong = 0.1000000000000000055511151231257827021181583404541015625\n',
    'bool1 = true\nbool2 = false\n',
    'odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\nodt3 = 1979-05-27T00:32:00.999999-07:00\nodt4 = 1979-05-27 07:32:00Z\nodt5 = 1979-05-27t07:32:00z\n',
    'ldt1 = 1979-05-27T07:32:00\nldt2 = 1979-05-27T00:32:00.999999\nldt3 = 1979-05-27T00:32:00.9999999999\n',
    'ld1 = 1979-05-27\nlt1 = 07:32:00\nlt2 = 00:32:00.999999\nleap = 2000-02-29\nleap2 = 2024-02-29T23:59:59+23:59\n',
    'integers = [ 1, 2, 3 ]\ncolors = [ "red", "yellow", "green" ]\nnested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\nnested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]\nstring_array = [ "all", \'strings\', """are the same""", \'\'\'type\'\'\' ]\n',
    'numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\ncontributors = [\n  "Foo Bar <foo@example.com>",\n  { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }\n]\n',
    'integers2 = [\n  1, 2, 3\n]\nintegers3 = [\n  1,\n  2, # this is ok\n]\nempty = [ ]\nempty2 = [\n# c\n]\n',
    '[table-1]\nkey1 = "some string"\nkey2 = 123\n\n[table-2]\nkey1 = "another string"\nkey2 = 456\n',
    '[dog."tater.man"]\ntype.name = "pug"\n',
    '[a.b.c]            # this is best practice\n[ d.e.f ]          # same as [d.e.f]\n[ g .  h  . i ]    # same as [g.h.i]\n[ j . "ʞ" . \'l\' ]  # same as [j."ʞ".\'l\']\n',
    '# [x] you\n# [x.y] don\'t\n# [x.y.z] need these\n[x.y.z.w] # for this to work\n\n[x] # defining a super-table afterward is ok\n',
    '[fruit]\napple.color = "red"\napple.taste.sweet = true\n\n[fruit.apple.texture]  # you can add sub-tables\nsmooth = true\n',
    '# Top-level table begins.\nname = "Fido"\nbreed = "pug"\n\n# Top-level table ends.\n[owner]\nname = "Regina Dogman"\nmember_since = 1999-08-04\n',
    'fruit.apple.color = "red"\n# Defines a table named fruit\n# Defines a table named fruit.apple\n\nfruit.apple.taste.sweet = true\n',
    'name = { first = "Tom", last = "Preston-Werner" }\npoint = { x = 1, y = 2 }\nanimal = { type.name = "pug" }\nempty = {}\nnested = { a = { b = { c = [1, { d = 2 }] } } }\n',
    '[[products]]\nname = "Hammer"\nsku = 738594937\n\n[[products]]  # empty table within the array\n\n[[products]]\nname = "Nail"\nsku = 284758393\n\ncolor = "gray"\n',
    '[[fruits]]\nname = "apple"\n\n[fruits.physical]  # subtable\ncolor = "red"\nshape = "round"\n\n[[fruits.varieties]]  # nested array of tables\nname = "red delicious"\n\n[[fruits.varieties]]\nname = "granny smith"\n\n\n[[fruits]]\nname = "banana"\n\n[[fruits.varieties]]\nname = "plantain"\n',
    'points = [ { x = 1, y = 2, z = 3 },\n           { x = 7, y = 8, z = 9 },\n           { x = 2, y = 4, z = 8 } ]\n',
    '[a.b.c]\nx = 1\n[a]\nb.d = 2\n',
    '[a]\n[a.b]\n[a.b.c]\n',
    '[[a.b]]\n[a]\nc = 1\n',
    '[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n',
    'a = [[], [[]], [{}], {}]\n',
    'mixed = [1, "a", 1.5, true, 1979-05-27, [1], {a = 1}]\n',
    'k = "é中😀"\n"é" = 1\n# é 中 😀\n',
    'x = """\n"""\ny = """"""\nz = \'\'\'\'\'\'\nw = """\\\n"""\n',
    'a = "\\u007F"\nb = "\\u0085"\nc = "\\uFEFF"\n',
    't = 00:00:00\nt2 = 23:59:59.5\nd = 0001-01-01\nd2 = 9999-12-31T23:59:59-23:59\n',
    'arr = [\n  1,\n  2,\n\n  # comment\n\n]\n',
    'a.b.c.d.e.f.g.h = 1\n',
    '[a]\nb = 1\n[c]\nd = 2\n[a.e]\nf = 3\n',
    '[a."b.c".\'d e\']\n"x.y" = 1\n',
]

INVALID = [
    'a',                              # no =
    'a =',                            # no value
    'a = \n1',                        # value on the next line
    '= 1',                            # no key
    'a = 1 b = 2',                    # two on a line
    'a = 1\na = 2',                   # duplicate key
    'a = 1\n"a" = 2',                 # same key, quoted
    "a = 1\n'a' = 2",
    'a.b = 1\na.b = 2',
    'a = 1\na.b = 2',                 # value used as a table
    'a.b = 1\na = 2',                 # table redefined as a value
    'a = {}\na.b = 1',                # extending an inline table
    'a = {b = 1}\n[a]',
    'a = {b = 1}\n[a.c]',
    'a = {b = {}}\n[a.b]',
    'a = [{}]\n[[a]]',                # static array
    'a = []\n[[a]]',
    'a = [1]\n[a.b]',
    '[a]\n[a]',                       # table twice
    '[a]\nb = 1\n[a]\nc = 2',
    '[a.b]\n[a.b]',
    '[a]\nb.c = 1\n[a.b]',            # dotted, then header
    'a.b = 1\n[a]',
    '[a.b]\nc = 1\n[a]\nb.d = 2',     # header, then dotted
    '[[a]]\n[a]',                     # array of tables, then table
    '[a]\n[[a]]',
    '[a]\nb = 1\n[a.b]',              # value, then table
    '[a]\nb = 1\n[[a.b]]',
    '[[a]]\nb = 1\n[a.b]',
    'a = 1\n[a.b]',
    '[a]\nx.y = 1\n[[a.x]]',
    '[[a.b]]\n[a]\nb.c = 1',
    'a = {b = 1, b = 2}',
    'a = {b.c = 1, b = 2}',
    'a = {b = {c = 1}, b.d = 2}',
    'a = {b = 1,}',                   # trailing comma
    'a = {b = 1\n}',                  # newline
    'a = {\nb = 1}',
    'a = {b = 1',
    'a = {,}',
    'a = [1,,2]',
    'a = [,]',
    'a = [1 2]',
    'a = [1',
    'a = "abc',
    'a = "abc\n"',
    "a = 'abc",
    "a = 'a\nb'",
    'a = """abc',
    "a = '''abc",
    'a = """a""""""',                 # six quotes
    "a = '''a''''''",
    'a = "\\x41"',                    # invalid escapes
    'a = "\\e"',
    'a = "\\ "',
    'a = "\\u00"',
    'a = "\\uD800"',
    'a = "\\uDFFF"',
    'a = "\\U00110000"',
    'a = "\\U0000D800"',
    'a = "\\UFFFFFFFF"',
    'a = """\\ a"""',                 # backslash + space not at the end of the line
    'a = "a\x00b"',                   # raw control characters
    'a = "a\x01b"',
    'a = "a\x7fb"',
    "a = 'a\x1fb'",
    'a = """a\x0bb"""',
    "a = '''a\x7fb'''",
    '# comment \x00',
    '# comment \x7f',
    '# comment \x0c',
    'a = 1\rb = 2',                   # lone CR
    'a = """a\rb"""',
    '# c\r',
    'a = 01',                         # leading zeros
    'a = -01',
    'a = 00',
    'a = 0_1',
    'a = 00.1',
    'a = 1__2',                       # underscores
    'a = _1',
    'a = 1_',
    'a = 1_.5',
    'a = 1._5',
    'a = 1e_5',
    'a = 0x_1',
    'a = 0x1_',
    'a = 0X1',                        # prefixes
    'a = 0x',
    'a = +0x1',
    'a = -0o7',
    'a = 0o8',
    'a = 0b2',
    'a = 0xG',
    'a = 1.',                         # floats
    'a = .1',
    'a = 1.e5',
    'a = 1e',
    'a = 1e+',
    'a = 1.5.3',
    'a = +',
    'a = inf1',
    'a = Inf',
    'a = NaN',
    'a = infinity',
    'a = True',
    'a = tru',
    'a = falsey',
    'a = 1979-13-01',                 # dates and times
    'a = 1979-02-30',
    'a = 1900-02-29',
    'a = 1979-00-10',
    'a = 1979-01-00',
    'a = 1979-1-01',
    'a = 79-01-01',
    'a = 1979-05-27T24:00:00',
    'a = 1979-05-27T23:60:00',
    'a = 1979-05-27T23:59',           # seconds are required in TOML 1.0
    'a = 07:32',
    'a = 7:32:00',
    'a = 1979-05-27T',
    'a = 1979-05-27T07:32:00.',
    'a = 1979-05-27T07:32:00+1:00',
    'a = 1979-05-27T07:32:00+24:00',
    'a = 1979-05-27T07:32:00+01:60',
    'a = 1979-05-27T07:32:00+0100',
    'a = 07:32:00Z',
    'a = 07:32:00+01:00',
    'a = 1979-05-27Z',
    'a = 1979-05-27 07:32',
    '[a',                             # headers
    '[a]]',
    '[[a]',
    '[[a] ]',
    '[ [a]]',
    '[]',
    '[[]]',
    '[a.]',
    '[.a]',
    '[a..b]',
    '[a] b = 1',
    '["""a"""]',
    '"""a""" = 1',                    # keys
    "'''a''' = 1",
    'a b = 1',
    'a. = 1',
    '.a = 1',
    'a..b = 1',
    'é = 1',
    '"a\nb" = 1',
    'a = 1\n\x80',                    # UTF-8 (as bytes below)
]

INVALID_BYTES = [
    b'a = "\x80"',
    b'a = "\xc3"',
    b'a = "\xc0\x80"',                # overlong
    b'a = "\xed\xa0\x80"',            # surrogate
    b'a = "\xf4\x90\x80\x80"',        # above U+10FFFF
    b"a = '\xff'",
    b'# \xfe\n',
    b'a = """\xe2\x82"""',
    b'\xef\xbb\xbf\xef\xbb\xbfa = 1',  # a second BOM
]


def test_hand_written_valid(tool, tmp_path):
    ours = run_lines(tool, tmp_path, VALID)
    for doc, (st, val) in zip(VALID, ours):
        assert st == "ok", f"refused:\n{doc}\n--> {val}"
        same(untag(val), tomllib.loads(doc))


def test_hand_written_invalid(tool, tmp_path):
    docs = INVALID + INVALID_BYTES
    ours = run_lines(tool, tmp_path, docs)
    for doc, (st, val) in zip(docs, ours):
        assert tomllib_loads(doc) is None, f"tomllib accepts {doc!r} (fix the test)"
        assert st == "error", f"accepted {doc!r}: {val}"
        assert re.match(r"^/.*\.toml:\d+:\d+: ", val), val


def test_known_differences_from_tomllib(tool, tmp_path):
    """Where TOML 1.0 and tomllib part ways, we follow the specification: integers are 64-bit,
    a leap second is a valid RFC 3339 time, a BOM may start the document."""
    docs = ['a = 9223372036854775808', 'a = -9223372036854775809', 'a = 0x8000000000000000',
            'a = 1990-12-31T23:59:60Z', 'a = 23:59:60']
    ours = run_lines(tool, tmp_path, docs + [b"\xef\xbb\xbfa = 1\n"])
    assert [s for s, _ in ours[:3]] == ["error"] * 3
    assert all("does not fit in 64 bits" in v for _, v in ours[:3])
    assert ours[3] == ("ok", {"a": {"type": "datetime", "value": "1990-12-31T23:59:60Z"}})
    assert ours[4] == ("ok", {"a": {"type": "time-local", "value": "23:59:60"}})
    assert ours[5] == ("ok", {"a": {"type": "integer", "value": "1"}})
    for d in docs[:3]:
        assert tomllib_loads(d) is not None
    for d in docs[3:]:
        assert tomllib_loads(d) is None


# ---- random documents --------------------------------------------------------------------------

ALPHABET = ("abcxyzABZ019_- ." + "\"'\\\t\n\r#=[]{},"
            + "\x00\x01\x08\x1b\x1f\x7f" + "é中😀\u0085\u2028\ufeff\ue000\U0010ffff")


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.crlf = self.r.random() < 0.2

    # -- text pieces
    def ws(self):
        return self.r.choice(["", "", " ", " ", "  ", "\t", " \t "])

    def comment(self):
        if self.r.random() < 0.15:
            return self.ws() + "#" + "".join(self.r.choice("ab #\té😀\"'") for _ in range(self.r.randint(0, 8)))
        return ""

    def text(self, maxlen=10):
        n = self.r.randint(0, maxlen)
        return "".join(self.r.choice(ALPHABET) if self.r.random() < 0.5
                       else self.r.choice("abcdefghij ") for _ in range(n))

    def name(self):
        if self.r.random() < 0.7:
            return "".join(self.r.choice("abcdefgxyzAZ09_-") for _ in range(self.r.randint(1, 6)))
        return self.text(6)

    def basic(self, s, ml=False):
        out = []
        quotes = 0
        for c in s:
            o = ord(c)
            esc = None
            if c == "\\":
                esc = "\\\\"
            elif c == '"':
                if not ml or quotes >= 2 or self.r.random() < 0.3:
                    esc = '\\"'
            elif c == "\n" and ml and self.r.random() < 0.8:
                esc = None
            elif c == "\t" and self.r.random() < 0.5:
                esc = None
            elif c in "\b\t\n\f\r" and self.r.random() < 0.6:
                esc = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[c]
            elif o < 0x20 or o == 0x7F or (o > 0x7F and self.r.random() < 0.3):
                esc = ("\\u%04X" % o if o <= 0xFFFF and self.r.random() < 0.5 else "\\U%08x" % o)
            if esc is None and self.r.random() < 0.05 and c.isascii() and c.isalpha():
                esc = "\\u%04x" % o
            out.append(esc if esc else c)
            quotes = quotes + 1 if (c == '"' and not esc) else 0
        body = "".join(out)
        if not ml:
            return '"' + body + '"'
        if self.r.random() < 0.3 and body and not body[0].isspace():
            body = "\\" + self.ws() + "\n" + self.ws() + body   # line-ending backslash
        lead = "\n" if (self.r.random() < 0.4 or body.startswith("\n")) else ""
        return '"""' + lead + body + '"""'

    def string(self, s, key=False):
        plain = all(c >= " " and c != "\x7f" or c == "\t" for c in s)
        opts = ["basic"]
        if plain and "'" not in s:
            opts.append("literal")
        if not key:
            opts.append("mlbasic")
            if all(c >= " " and c != "\x7f" or c in "\t\n" for c in s) and "'''" not in s \
                    and not s.endswith("'") and "\r" not in s:
                opts.append("mlliteral")
        kind = self.r.choice(opts)
        if kind == "basic":
            return self.basic(s)
        if kind == "literal":
            return "'" + s + "'"
        if kind == "mlbasic":
            return self.basic(s, ml=True)
        lead = "\n" if (self.r.random() < 0.4 or s.startswith("\n")) else ""
        return "'''" + lead + s + "'''"

    def key(self, name):
        bare = name and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)
        if bare and self.r.random() < 0.8:
            return name
        return self.string(name, key=True)

    def digits(self, s):
        """Inserts single underscores between digits at random."""
        if len(s) < 2 or self.r.random() < 0.6:
            return s
        out = s[0]
        for c in s[1:]:
            if self.r.random() < 0.3:
                out += "_"
            out += c
        return out

    def integer(self):
        r = self.r
        v = r.choice([0, 1, -1, 7, 2**63 - 1, -2**63, r.randint(-2**63, 2**63 - 1),
                      r.randint(-1000, 1000), r.randint(0, 2**20)])
        style = r.random()
        if v >= 0 and style < 0.3:
            base = r.choice("xob")
            digs = {"x": "%x", "o": "%o", "b": "{:b}"}[base]
            s = digs % v if base != "b" else digs.format(v)
            if base == "x" and r.random() < 0.5:
                s = s.upper()
            s = "0" * r.choice([0, 0, 1, 3]) + s
            return "0" + base + self.digits(s)
        sign = "-" if v < 0 else r.choice(["", "", "+"])
        return sign + self.digits(str(abs(v)))

    def float(self):
        r = self.r
        if r.random() < 0.1:
            return r.choice(["", "+", "-"]) + r.choice(["inf", "nan"])
        ip = r.choice(["0", str(r.randint(1, 9)), str(r.randint(1, 10**r.randint(1, 20)))])
        s = r.choice(["", "-", "+"]) + self.digits(ip)
        has_frac = r.random() < 0.7
        if has_frac:
            s += "." + self.digits("".join(r.choice("0123456789") for _ in range(r.randint(1, 20))))
        if not has_frac or r.random() < 0.3:
            s += r.choice("eE") + r.choice(["", "+", "-"]) + self.digits(str(r.randint(0, 330)).zfill(r.randint(1, 3)))
        return s

    def datetime(self):
        r = self.r
        y = r.randint(1, 9999)
        mo = r.randint(1, 12)
        days = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30,
                31, 31, 30, 31, 30, 31][mo - 1]
        d = r.choice([1, days, r.randint(1, days)])
        date = "%04d-%02d-%02d" % (y, mo, d)
        time = "%02d:%02d:%02d" % (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
        if r.random() < 0.4:
            time += "." + "".join(r.choice("0123456789") for _ in range(r.randint(1, 9)))
        kind = r.randint(0, 3)
        if kind == 0:
            return date
        if kind == 1:
            return time
        s = date + r.choice("TTt ") + time
        if kind == 3:
            s += r.choice(["Z", "z", "%s%02d:%02d" % (r.choice("+-"), r.randint(0, 23), r.randint(0, 59))])
        return s

    def scalar(self):
        k = self.r.randint(0, 5)
        if k == 0:
            return self.string(self.text())
        if k == 1:
            return self.integer()
        if k == 2:
            return self.float()
        if k == 3:
            return self.r.choice(["true", "false"])
        if k == 4:
            return self.datetime()
        return self.string(self.text(3))

    # -- data, then its text
    def data_table(self, depth):
        t = {}
        for _ in range(self.r.randint(2, 8) if depth == 0 else self.r.randint(0, 5 if depth < 3 else 2)):
            n = self.name()
            if n in t:
                continue
            x = self.r.random()
            if depth >= 4 or x < 0.55:
                t[n] = ("scalar", self.scalar())
            elif x < 0.7:
                t[n] = ("array", self.data_array(depth + 1))
            elif x < 0.88:
                t[n] = ("table", self.data_table(depth + 1))
            else:
                t[n] = ("aot", [self.data_table(depth + 1) for _ in range(self.r.randint(1, 3))])
        return t

    def data_array(self, depth):
        items = []
        for _ in range(self.r.randint(0, 4)):
            x = self.r.random()
            if depth >= 4 or x < 0.7:
                items.append(("scalar", self.scalar()))
            elif x < 0.85:
                items.append(("array", self.data_array(depth + 1)))
            else:
                items.append(("table", self.data_table(depth + 1)))
        return items

    def inline_value(self, v):
        kind, x = v
        if kind == "scalar":
            return x
        if kind == "array":
            return self.array_text(x)
        if kind == "aot":
            return self.array_text([("table", t) for t in x])
        return self.inline_table(x)

    def array_text(self, items):
        if self.r.random() < 0.3:   # multi-line, comments, trailing comma
            nl = "\n"
            parts = ["[" + self.comment() + nl]
            for it in items:
                parts.append(self.ws() + self.inline_value(it) + self.ws() + "," + self.comment() + nl)
            if self.r.random() < 0.5 and parts[-1].endswith("," + nl) and items:
                parts[-1] = parts[-1][:-2] + nl
            return "".join(parts) + self.ws() + "]"
        sep = "," + self.ws()
        body = sep.join(self.inline_value(it) for it in items)
        if items and self.r.random() < 0.2:
            body += ","
        return "[" + self.ws() + body + self.ws() + "]"

    def dotted_pairs(self, prefix, t):
        """key = value pairs for table t, sub-tables inline or as dotted keys."""
        out = []
        for n, v in t.items():
            k = prefix + [self.key(n)]
            if v[0] == "table" and v[1] and self.r.random() < 0.5:
                out.extend(self.dotted_pairs(k, v[1]))
            else:
                dot = self.r.choice([".", ".", " . ", ". "])
                out.append(dot.join(k) + self.ws() + "=" + self.ws() + self.inline_value(v))
        return out

    def inline_table(self, t):
        pairs = self.dotted_pairs([], t)
        if not pairs:
            return "{" + self.ws() + "}"
        return "{" + self.ws() + ("," + self.ws()).join(pairs) + self.ws() + "}"

    def header(self, path, aot=False):
        dot = self.r.choice([".", ".", " . "])
        inner = self.ws() + dot.join(path) + self.ws()
        return ("[[" + inner + "]]" if aot else "[" + inner + "]") + self.comment()

    def section(self, lines, path, t, header, late_ok):
        simple, deferred = {}, []
        for n, v in t.items():
            if v[0] == "table" and self.r.random() < 0.6:
                deferred.append((n, v))
            elif v[0] == "aot" and self.r.random() < 0.7:
                deferred.append((n, v))
            else:
                simple[n] = v
        body = [p + self.comment() for p in self.dotted_pairs([], simple)]
        omit = not body and deferred and self.r.random() < 0.5
        late = late_ok and header and not omit and deferred and self.r.random() < 0.3
        if not late:
            if header and not omit:
                lines.append(self.header(path))
            lines.extend(body)
        for n, v in deferred:
            sub = path + [self.key(n)]
            if self.r.random() < 0.3:
                lines.append(self.comment() or "")
            if v[0] == "table":
                self.section(lines, sub, v[1], True, True)
            else:
                for el in v[1]:
                    lines.append(self.header(sub, aot=True))
                    self.section(lines, sub, el, False, False)
        if late:
            lines.append(self.header(path))
            lines.extend(body)

    def document(self):
        lines = []
        self.section(lines, [], self.data_table(0), False, False)
        nl = "\r\n" if self.crlf else "\n"
        text = nl.join(self.ws() + ln for ln in lines)
        if self.crlf:
            text = re.sub(r"(?<!\r)\n", "\r\n", text)
        if self.r.random() < 0.7:
            text += nl
        return text


def generated(n, seed0):
    return [Gen(seed0 + i).document() for i in range(n)]


def test_random_documents_match_tomllib(tool, tmp_path):
    docs = generated(400, 1000)
    ours = run_lines(tool, tmp_path, docs)
    for doc, (st, val) in zip(docs, ours):
        want = tomllib.loads(doc)       # the generator writes valid TOML only
        assert st == "ok", f"refused:\n{doc}\n--> {val}"
        same(untag(val), want)


MUTATIONS = ['"', "'", "[", "]", "[[", "]]", "{", "}", "=", ",", ".", "#", "\n", "\r", "\\",
             " ", "_", "e", "0", "x", "+", "-", ":", "T", "Z", "\x00", "\x7f", "é", "\t",
             '"""', "'''", "\\u", "a", "1", "inf", "true", "\n[a]\n", "\n[[a]]\n", "\na = 1\n",
             "\na.b = 1\n", "\n[a.b]\n"]


def mutate(r, doc):
    b = doc
    for _ in range(r.randint(1, 3)):
        op = r.random()
        lines = b.split("\n")
        if op < 0.25 and b:
            i = r.randrange(len(b))
            b = b[:i] + b[i + 1:]
        elif op < 0.55:
            i = r.randint(0, len(b))
            b = b[:i] + r.choice(MUTATIONS) + b[i:]
        elif op < 0.75 and len(lines) > 1:
            i = r.randrange(len(lines))
            lines.insert(r.randint(0, len(lines)), lines[i])     # repeat a line
            b = "\n".join(lines)
        elif op < 0.9 and len(lines) > 1:
            i, j = r.randrange(len(lines)), r.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            b = "\n".join(lines)
        elif b:
            i = r.randrange(len(b))
            b = b[:i] + r.choice(MUTATIONS) + b[i + 1:]
    return b


def test_random_mutations_agree_with_tomllib(tool, tmp_path):
    r = random.Random(7)
    base = generated(300, 5000)
    docs = [mutate(r, r.choice(base)) for _ in range(3000)]
    ours = run_lines(tool, tmp_path, docs)
    accepted = refused = 0
    for doc, (st, val) in zip(docs, ours):
        want = tomllib_loads(doc)
        if st == "error" and want is not None and "does not fit in 64 bits" in val:
            continue                    # tomllib has big integers
        if st == "ok" and want is None and re.search(r"\d\d:\d\d:60", doc):
            continue                    # a leap second
        if want is None:
            assert st == "error", f"accepted (tomllib refuses):\n{doc!r}\n--> {val}"
            assert re.match(r"^/.*\.toml:\d+:\d+: ", val), val
            refused += 1
        else:
            assert st == "ok", f"refused (tomllib accepts):\n{doc!r}\n--> {val}"
            same(untag(val), want)
            accepted += 1
    print("mutations: %d accepted, %d refused" % (accepted, refused))
    assert accepted > 300 and refused > 1000, (accepted, refused)


def test_writer_round_trip(tool, tmp_path):
    docs = VALID + generated(300, 9000)
    rewritten = run_lines(tool, tmp_path, docs, "--rewrite")
    texts = []
    for doc, (st, text) in zip(docs, rewritten):
        assert st == "ok", f"{doc!r}: {text}"
        try:
            back = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            pytest.fail(f"tomllib refuses the writer's output ({e}):\n{text}\n--- from:\n{doc}")
        same_unordered(back, tomllib.loads(doc))
        texts.append(text)
    again = run_lines(tool, tmp_path, texts, "--rewrite")
    for text, (st, text2) in zip(texts, again):
        assert st == "ok" and text2 == text, f"not a fixed point:\n{text}\n---\n{text2}"
    ours = run_lines(tool, tmp_path, texts)
    for text, (st, val) in zip(texts, ours):
        assert st == "ok", val
        same(untag(val), tomllib.loads(text))


def test_rewrite_keeps_lock_file_layout(tool, tmp_path):
    """The PEP 751 shape: [[packages]] with inline sdist, a multi-line wheels array."""
    doc = ('lock-version = "1.0"\ncreated-by = "venvsync"\n\n[[packages]]\nname = "attrs"\n'
           'version = "25.1.0"\nindex = "https://pypi.org/simple"\n'
           'sdist = { url = "https://files.pythonhosted.org/packages/attrs-25.1.0.tar.gz", '
           'upload-time = 2025-01-25T11:30:12.279622+00:00, size = 810562, '
           'hashes = { sha256 = "1c97078a80c814273a76b2a298a932eb681c87415c11dee0a6921de7f1b02c3e" } }\n'
           'wheels = [{ url = "https://files.pythonhosted.org/packages/attrs-25.1.0-py3-none-any.whl", '
           'upload-time = 2025-01-25T11:30:10.164985+00:00, size = 63152, '
           'hashes = { sha256 = "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a" } }]\n')
    [(st, text)] = run_lines(tool, tmp_path, [doc], "--rewrite")
    assert st == "ok", text
    assert text == doc.replace("wheels = [{", "wheels = [\n  {").replace(" }]\n", " },\n]\n")
    same(tomllib.loads(text), tomllib.loads(doc))


def test_single_file_mode_and_errors(tool, tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text('[project]\nname = "x"\nname = "y"\n')
    r = subprocess.run([tool, str(p)], capture_output=True, text=True)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == f"{p}:3:1: duplicate key 'name'"
    p.write_text('[project]\nname = "x"\n')
    r = subprocess.run([tool, str(p)], capture_output=True, text=True)
    assert r.returncode == 0
    assert json.loads(r.stdout) == {"project": {"name": {"type": "string", "value": "x"}}}
    r = subprocess.run([tool, "--max-depth", "3", "-"], input="a.b.c.d = 1\n",
                       capture_output=True, text=True)
    assert r.returncode == 1 and "-:1:7: nesting too deep" in r.stderr, r.stderr
