"""Reading a marketer's list of customers: bare addresses, Excel's CSV in either separator,
Dutch column names and amounts; every bad line named, and nothing taken from a bad list."""

from decimal import Decimal

import pytest

from app.errors import AppError
from app.services import invitation_lists


def rows(text):
    return invitation_lists.read(text)["rows"]


def refused(text) -> dict:
    with pytest.raises(AppError) as caught:
        invitation_lists.read(text)
    assert caught.value.code == 422
    return caught.value.fields


def test_bare_addresses_one_per_line_need_no_header():
    assert rows("anna@example.nl\n\n  bram@example.nl  \n") == [
        {"email": "anna@example.nl", "line": 1},
        {"email": "bram@example.nl", "line": 3},  # blank lines keep the file's numbering
    ]


def test_excel_semicolons_dutch_names_and_amounts():
    text = (
        "Klantnummer;E-mailadres;Taal;Waarde;Naam\n"
        "K-1;anna@example.nl;nl;1.250,00;Anna\n"
        'K-2;bram@example.nl;en;"€ 99,95";Bram\n'
        "K-3;cor@example.nl;;250;\n"
    )
    found = invitation_lists.read(text)
    assert found["ignored"] == ["Naam"]
    assert found["rows"] == [
        {
            "external_id": "K-1",
            "email": "anna@example.nl",
            "locale": "nl",
            "value": Decimal("1250.00"),
            "line": 2,
        },
        {
            "external_id": "K-2",
            "email": "bram@example.nl",
            "locale": "en",
            "value": Decimal("99.95"),
            "line": 3,
        },
        # an empty cell changes nothing: it is left out, not written as empty
        {"external_id": "K-3", "email": "cor@example.nl", "value": Decimal("250"), "line": 4},
    ]


def test_commas_and_quoted_cells():
    text = 'email,external_id,persona\n"anna@example.nl","K,1",senioren\n'
    assert rows(text) == [
        {"email": "anna@example.nl", "external_id": "K,1", "persona": "senioren", "line": 2}
    ]


def test_external_id_alone_names_a_known_customer():
    assert rows("external_id\nK-1\n") == [{"external_id": "K-1", "line": 2}]


def test_a_second_column_of_the_same_kind_is_left_out():
    found = invitation_lists.read("email;e-mail\nanna@example.nl;oud@example.nl\n")
    assert found["rows"] == [{"email": "anna@example.nl", "line": 2}]
    assert found["ignored"] == ["e-mail"]


def test_every_bad_line_is_named():
    text = (
        "email;taal;waarde\n"
        "anna@example.nl;nl;10\n"
        "geen-adres;nl;10\n"
        "bram@example.nl;de;-5\n"
        ";nl;10\n"
    )
    assert refused(text) == {
        "lines.3.email": ["Not a valid email address."],
        "lines.4.locale": ["Must be one of: nl, en."],
        "lines.4.value": [
            "Must be greater than or equal to 0 and less than or equal to 1000000000."
        ],
        "lines.5.email": ["give an email address or an external id"],
    }


def test_an_address_that_cannot_name_a_customer_asks_for_an_external_id():
    fields = refused("erased-anna@example.nl\n")
    assert fields == {
        "lines.1.email": ["this address cannot name a customer; add an external_id column"]
    }
    assert rows("external_id,email\nK-9,erased-anna@example.nl\n")[0]["external_id"] == "K-9"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n \n",
        "naam;woonplaats\nAnna;Delft\n",  # columns, but none of ours
        "anna@example.nl;Anna\n",  # data with two columns and no header
    ],
)
def test_lists_that_cannot_be_read_say_why(text):
    assert set(refused(text)) == {"list"}


def test_too_many_lines():
    many = "\n".join(f"k{n}@example.nl" for n in range(invitation_lists.MAX_LINES + 1))
    assert set(refused(many)) == {"list"}
    assert len(rows("email\n" + many.split("\n", 1)[1])) == invitation_lists.MAX_LINES


@pytest.mark.parametrize(
    ("written", "euros"),
    [
        ("1.250", "1250"),  # points between thousands: twelve hundred and fifty, not 1.25
        ("12.500", "12500"),
        ("1.250,-", "1250"),
        ("EUR 99,95", "99.95"),
        ("€1.250,00", "1250.00"),
        ("0.125", "0.12"),  # a decimal point, as a program writes it
        ("1250.50", "1250.50"),
    ],
)
def test_amounts_as_dutch_and_programs_write_them(written, euros):
    assert rows(f"email;waarde\nanna@example.nl;{written}\n")[0]["value"] == Decimal(euros)


def test_an_id_column_is_not_taken_for_the_customer_number():
    """A sheet's "ID" is as often an order or row number: only a named customer number
    (external_id, klantnummer, customer_id) may rename or readdress a known customer."""
    found = invitation_lists.read("ID;email\n1001;kees@example.nl\n")
    assert found["rows"] == [{"email": "kees@example.nl", "line": 2}]
    assert found["ignored"] == ["ID"]


def test_a_language_in_capitals_is_a_language():
    assert rows("email;taal\nanna@example.nl;NL\n")[0]["locale"] == "nl"


def test_a_header_without_customers_is_refused():
    assert refused("email;taal\n") == {"list": ["add customers under the header"]}


def test_a_list_wrong_throughout_names_the_first_lines_and_counts_the_rest():
    many = "email\n" + "\n".join(f"geen-adres-{n}" for n in range(30))
    fields = refused(many)
    assert len([key for key in fields if key.startswith("lines.")]) == 20
    assert fields["list"] == ["10 more lines are not valid either; the first are shown"]


def test_a_cell_with_a_line_break_keeps_the_lines_numbered():
    """Excel quotes an address or note with a line break in it: one record, two lines."""
    text = 'email;adres\nanna@example.nl;"Dorpsstraat 1\n1234 AB Utrecht"\ngeen-adres;x\n'
    assert refused(text) == {"lines.4.email": ["Not a valid email address."]}
    good = 'email;adres\nanna@example.nl;"Dorpsstraat 1\n1234 AB"\nbram@example.nl;x\n'
    assert [row["line"] for row in rows(good)] == [2, 4]


@pytest.mark.parametrize(
    "text",
    [
        'email;naam\nanna@example.nl;"nooit gesloten\n' + "bram@example.nl;x\n" * 20_000,
        "email;naam\nanna@example.nl;" + "x" * 200_000 + "\n",
    ],
    ids=["unclosed quote", "cell over 128 KB"],
)
def test_what_csv_cannot_read_is_a_422_not_a_500(text):
    [message] = refused(text)["list"]
    assert "cannot be read as CSV" in message


def test_a_file_is_text_or_refused():
    assert invitation_lists.text_of("email\nzoë@x.nl\n".encode("cp1252")) == "email\nzoë@x.nl\n"
    assert invitation_lists.text_of("\ufeffemail\n".encode()) == "email\n"
    for raw, status in ((b"PK\x03\x04rest", 422), (b"x" * (invitation_lists.MAX_BYTES + 1), 413)):
        with pytest.raises(AppError) as caught:
            invitation_lists.text_of(raw)
        assert caught.value.code == status


def test_the_page_takes_the_largest_file_with_room_for_its_form():
    from app import uploads

    assert uploads.LARGER["dashboard.invitations_send"] >= invitation_lists.MAX_BYTES + 20_000
