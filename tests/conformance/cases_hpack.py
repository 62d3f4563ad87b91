"""h2spec 2.6.0 "HPACK: Header Compression for HTTP/2" (hpack/2.3.3 .. hpack/6.3): 8 cases.

Each appends (or prepends) one malformed representation to a well-formed request head; RFC 9113
§4.3 makes every HPACK decoding error a connection error of type COMPRESSION_ERROR.
"""
from h2spec_core import case  # first: it puts tests/support on sys.path
import h2frames as h2

COMPRESSION = "connection error COMPRESSION_ERROR or connection close"


def bad_block(t, rep, prefix=b""):
    t.handshake()
    t.send(h2.headers(1, prefix + t.block(t.fields()) + rep, end_stream=True))
    t.expect_connection_error(h2.COMPRESSION_ERROR)


# ---- hpack/2.3.3: Index Address Space (RFC 7541 §2.3.3) ------------------------------------
# 61 static entries plus at most two dynamic ones (:authority, and :path when not "/") after the
# request's own fields: index 70 is past both tables.

@case("hpack/2.3.3/1", "Sends a indexed header field representation with invalid index",
      COMPRESSION)
def h233_1(t):
    bad_block(t, h2.hpack_indexed(70))


@case("hpack/2.3.3/2", "Sends a literal header field representation with invalid index",
      COMPRESSION)
def h233_2(t):
    bad_block(t, h2.hpack_literal(None, "", "incremental", name_index=70))


# ---- hpack/4.2: Maximum Table Size ---------------------------------------------------------

@case("hpack/4.2/1", "Sends a dynamic table size update at the end of header block",
      COMPRESSION)
def h42_1(t):
    # RFC 7541 §4.2: a size update MUST come at the beginning of a header block.
    bad_block(t, h2.hpack_size_update(1))


# ---- hpack/5.2: String Literal Representation ----------------------------------------------
# The value of "x-test" (a new name, Huffman-coded) is the malformed Huffman string.

def bad_huffman(t, octets):
    bad_block(t, b"\x00" + h2.hpack_str("x-test", huffman=True)
              + h2.hpack_raw_str(octets, huffman=True))


TEST = [ord(c) for c in "test"]  # 20 bits of codes: 4 bits of padding to the octet


@case("hpack/5.2/1", "Sends a Huffman-encoded string literal representation with padding "
      "longer than 7 bits", COMPRESSION)
def h52_1(t):
    bad_huffman(t, h2.huffman_bits(TEST, pad="1111" + "11111111"))


@case("hpack/5.2/2", "Sends a Huffman-encoded string literal representation padded by zero",
      COMPRESSION)
def h52_2(t):
    bad_huffman(t, h2.huffman_bits(TEST, pad="0000"))


@case("hpack/5.2/3", "Sends a Huffman-encoded string literal representation containing the EOS "
      "symbol", COMPRESSION)
def h52_3(t):
    bad_huffman(t, h2.huffman_bits([h2.EOS] + TEST))


# ---- hpack/6.1: Indexed Header Field Representation ----------------------------------------

@case("hpack/6.1/1", "Sends a indexed header field representation with index 0", COMPRESSION)
def h61_1(t):
    bad_block(t, h2.hpack_indexed(0))


# ---- hpack/6.3: Dynamic Table Size Update --------------------------------------------------

@case("hpack/6.3/1", "Sends a dynamic table size update larger than the value of "
      "SETTINGS_HEADER_TABLE_SIZE", COMPRESSION)
def h63_1(t):
    t.handshake()
    limit = t.conn.server_settings.get(h2.HEADER_TABLE_SIZE, 4096)
    t.send(h2.headers(1, h2.hpack_size_update(limit + 1) + t.block(t.fields()),
                      end_stream=True))
    t.expect_connection_error(h2.COMPRESSION_ERROR)
