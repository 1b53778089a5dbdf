"""Receipt codes: short, derived from the application id, easy to read out over the phone.

The alphabet has no 0/O, 1/I/L, so a code survives being read aloud or copied by hand.
The code is derived from the client-made id, so a device can show it before it is sent.
Codes are not unique by construction (31^8 ≈ 8.5e11 values): the status page asks for
the code together with the date of birth, and staff search shows every match.
"""

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def receipt_code(application_id: str) -> str:
    """``XXXX-XXXX`` from the 48 random bits at the end of a UUID v4."""
    number = int(application_id.replace("-", "")[-12:], 16)
    chars = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    code = "".join(reversed(chars))
    return f"{code[:4]}-{code[4:]}"

