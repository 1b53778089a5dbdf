"""Reading a browser's form post (staff console, sign-in, the status page) into text that
can be stored, compared and shown.

A multipart part may name its own charset, and Starlette decodes it with that codec: with
``unicode_escape`` a field can hold a lone surrogate, which cannot be written out as UTF-8
(a page, a hash, a password check), and any form can hold a NUL, which PostgreSQL keeps in
no text column. No browser sends either from a text box, so each becomes U+FFFD, as bytes
that are not UTF-8 in a URL-encoded form already do.
"""

from __future__ import annotations

import re

from starlette.datastructures import FormData
from starlette.requests import Request

_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")


def _clean(value):
    return _UNWRITABLE.sub("\ufffd", value) if isinstance(value, str) else value


async def read_form(request: Request, *, max_fields: int, max_part_size: int) -> FormData:
    """The posted form (no files), every name and value cleaned as the module says."""
    form = await request.form(max_files=0, max_fields=max_fields, max_part_size=max_part_size)
    return FormData([(_clean(name), _clean(value)) for name, value in form.multi_items()])
