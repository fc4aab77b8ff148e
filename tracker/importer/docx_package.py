"""The ZIP package of a .docx, measured before python-docx inflates it.

python-docx reads every member of the package into memory and lxml builds a tree of the XML: a
1 MB upload can inflate to gigabytes (a zip bomb) or hold hundreds of thousands of paragraphs.
:func:`check_package` refuses such a file from the sizes the package declares, then reads its XML
in bounded chunks to be sure, counting the paragraphs as it goes; nothing larger than a chunk is
ever inflated at once.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

from tracker.importer.errors import ReportImportError
from tracker.importer.limits import (
    DOCX_MAX_PARTS,
    DOCX_MAX_UNPACKED_BYTES,
    DOCX_MAX_XML_BYTES,
    MIB,
    TEXT_MAX_LINES,
    docx_too_large,
    line_count_error,
)

READ_CHUNK = 64 * 1024
XML_SUFFIXES = (".xml", ".rels")
# Only these inflate in bounded steps in zipfile; Word writes nothing else.
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# The end-of-central-directory record: signature, disk numbers, entry counts, directory size and
# offset, comment length.
END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
END_SIGNATURE = b"PK\x05\x06"
DIRECTORY_BYTES_PER_PART = 1024  # a member's directory entry is under 200 bytes in practice
# A paragraph's start tag, whatever the namespace prefix: <w:p>, <w:p w:rsidR="…">, <w:p/>.
PARAGRAPH_START = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?p[\s/>]")
_CARRY = 64  # bytes kept from one chunk to the next, longer than any paragraph start tag


def check_package(data: bytes) -> None:
    """Raise ReportImportError when the package is over a limit of tracker.importer.limits.

    A damaged package raises zipfile's or struct's own exceptions; the caller reports those.
    """
    _check_directory(data)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        members = package.infolist()
        if len(members) > DOCX_MAX_PARTS:
            raise _too_many_parts()
        if any(member.compress_type not in COMPRESSIONS for member in members):
            raise zipfile.BadZipFile("a member is compressed with a method Word does not use")
        if sum(member.file_size for member in members) > DOCX_MAX_UNPACKED_BYTES:
            raise docx_too_large("docx_too_large", "解压后的全部内容（含图片）", f"{DOCX_MAX_UNPACKED_BYTES // MIB} MB")
        xml_parts = [member for member in members if member.filename.lower().endswith(XML_SUFFIXES)]
        if sum(member.file_size for member in xml_parts) > DOCX_MAX_XML_BYTES:
            raise _xml_too_large()
        # zipfile stops inflating a member at its declared size (and then fails its checksum), but
        # count what is actually read all the same: these are the bytes lxml will parse.
        read = paragraphs = 0
        for member in xml_parts:
            carry = b""
            with package.open(member) as part:
                while chunk := part.read(READ_CHUNK):
                    read += len(chunk)
                    if read > DOCX_MAX_XML_BYTES:
                        raise _xml_too_large()
                    buffer = carry + chunk
                    counted_up_to = max(0, len(buffer) - _CARRY)
                    paragraphs += sum(1 for m in PARAGRAPH_START.finditer(buffer) if m.start() < counted_up_to)
                    carry = buffer[counted_up_to:]
                    if paragraphs > TEXT_MAX_LINES:
                        raise line_count_error()
            paragraphs += len(PARAGRAPH_START.findall(carry))
            if paragraphs > TEXT_MAX_LINES:
                raise line_count_error()


def _check_directory(data: bytes) -> None:
    """Refuse a package whose directory lists too many members, before zipfile reads it: the
    directory of a small upload can list hundreds of thousands of empty members."""
    position = data.rfind(END_SIGNATURE, max(0, len(data) - END_OF_DIRECTORY.size - 0xFFFF))
    if position < 0 or len(data) - position < END_OF_DIRECTORY.size:
        return  # no directory: zipfile will say the package is damaged
    _, _, _, _, entries, directory_size, _, _ = END_OF_DIRECTORY.unpack_from(data, position)
    # 0xFFFF entries means a ZIP64 directory, which no report needs.
    if entries > DOCX_MAX_PARTS or directory_size > DOCX_MAX_PARTS * DIRECTORY_BYTES_PER_PART:
        raise _too_many_parts()


def _too_many_parts() -> ReportImportError:
    return docx_too_large("docx_too_many_parts", "文档包含的部件（ZIP 成员）数量", f"{DOCX_MAX_PARTS} 个")


def _xml_too_large() -> ReportImportError:
    return docx_too_large("docx_xml_too_large", "解压后的正文及格式（XML）", f"{DOCX_MAX_XML_BYTES // MIB} MB")
