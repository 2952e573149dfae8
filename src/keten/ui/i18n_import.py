"""Dutch of what the import says: the templates of its messages (keten.messages, raised by
keten.dataio and keten.validators) and the names of keten's columns, keyed by their English.

keten.ui.i18n adds these to its Dutch catalogue; tests/ui/test_messages.py checks that every
template the import can raise has its translation here.
"""

from __future__ import annotations

__all__ = ["COLUMNS_NL", "IMPORT_NL"]

COLUMNS_NL: dict[str, str] = {
    # the columns of every kind (keten.dataio.specs) and the fields a row is read into
    "code": "code",
    "name": "naam",
    "role": "rol",
    "country": "land",
    "kvk": "KvK-nummer",
    "lei": "LEI",
    "gln": "GLN",
    "website": "website",
    "organization": "organisatie",
    "city": "plaats",
    "address": "adres",
    "family": "materiaalgroep",
    "cas_number": "CAS-nummer",
    "part_number": "onderdeelnummer",
    "kind": "soort",
    "unit": "eenheid",
    "mass": "massa",
    "mass_kg": "massa (kg)",
    "category": "categorie",
    "hs_code": "HS-code",
    "revenue_per_unit_eur": "omzet per eenheid (EUR)",
    "value_chain": "waardeketen",
    "description": "omschrijving",
    "parent": "hoofdartikel",
    "child": "onderdeel",
    "quantity": "aantal",
    "position": "positie",
    "material": "materiaal",
    "mass_fraction": "massafractie",
    "recycled_share": "gerecycled aandeel",
    "site": "vestiging",
    "share": "aandeel",
    "lead_time_days": "levertijd (dagen)",
    "price_eur": "prijs (EUR)",
    "qualified_alternate": "gekwalificeerd alternatief",
    "on_hand": "op voorraad",
    "safety_stock": "veiligheidsvoorraad",
    "weekly_usage": "verbruik per week",
    # values of the columns that take one of a fixed list
    "product": "product",
    "assembly": "samenstel",
    "component": "component",
    "consumable": "verbruiksartikel",
    "own": "eigen",
    "supplier": "leverancier",
    "customer": "klant",
    "partner": "partner",
    "health": "gezondheid",
    "sustainability": "duurzaamheid",
    "digital": "digitaal",
    "defence": "defensie",
    "existing": "bestaand",
    "metal": "metaal",
    "polymer": "polymeer",
    "ceramic": "keramiek",
    "glass": "glas",
    "composite": "composiet",
    "electronics": "elektronica",
    "fluid": "vloeistof",
    "other": "overig",
}

IMPORT_NL: dict[str, str] = {
    # where an error is
    "row {row}": "rij {row}",
    "column {column}": "kolom {column}",
    "nothing": "niets",
    "none": "geen",
    # the import as a whole (keten.dataio.service)
    "the import has 1 error; nothing was written: {error}": (
        "de import heeft 1 fout; er is niets opgeslagen: {error}"
    ),
    "the import has {count} errors (the first {shown} are listed); nothing was written": (
        "de import heeft {count} fouten (de eerste {shown} staan hieronder); er is niets opgeslagen"
    ),
    "the import has {count} errors; nothing was written": (
        "de import heeft {count} fouten; er is niets opgeslagen"
    ),
    "column '{column}' appears twice in the header": "kolom '{column}' staat twee keer in de kopregel",
    "missing required column {columns}; the header has {found} (map your own names onto keten's with "
    "a column mapping: on the import page, or with --map or --mapping-name; see docs/import-format.md)": (
        "verplichte kolom {columns} ontbreekt; de kopregel heeft {found} (koppel uw eigen kolomnamen "
        "aan die van keten met een kolomkoppeling: op de importpagina, of met --map of --mapping-name; "
        "zie docs/import-format.md)"
    ),
    "missing required columns {columns}; the header has {found} (map your own names onto keten's with "
    "a column mapping: on the import page, or with --map or --mapping-name; see docs/import-format.md)": (
        "verplichte kolommen {columns} ontbreken; de kopregel heeft {found} (koppel uw eigen kolomnamen "
        "aan die van keten met een kolomkoppeling: op de importpagina, of met --map of --mapping-name; "
        "zie docs/import-format.md)"
    ),
    "neither its name nor its columns tell which kind it holds; choose its kind ({kinds})": (
        "noch de naam noch de kolommen laten zien wat voor gegevens het bevat; kies de soort ({kinds})"
    ),
    "duplicate {key}: already on row {row}": "dubbel {key}: staat al op rij {row}",
    "only one organization can be 'own'; found {codes}": (
        "maar één organisatie kan 'own' (eigen) zijn; gevonden: {codes}"
    ),
    "no organization with code '{code}'": "er is geen organisatie met code '{code}'",
    "no part with part number '{code}'": "er is geen onderdeel met onderdeelnummer '{code}'",
    "part '{code}' cannot contain itself": "onderdeel '{code}' kan zichzelf niet bevatten",
    "{problem} (child '{code}')": "{problem} (onderdeel '{code}')",
    "{raw} is not positive": "{raw} is niet groter dan nul",
    "{raw} is above {maximum}, the most a BOM line may hold": (
        "{raw} is meer dan {maximum}, het hoogste aantal van een stuklijstregel"
    ),
    "the BOM contains a cycle: {path}; remove one of these lines so no part contains itself": (
        "de stuklijst bevat een kringloop: {path}; verwijder een van deze regels, zodat geen onderdeel "
        "zichzelf bevat"
    ),
    "no part '{code}'": "er is geen onderdeel '{code}'",
    "no material with code '{code}'": "er is geen materiaal met code '{code}'",
    "part '{code}' has no mass, so a fraction of it cannot be turned into kg; give the mass instead": (
        "onderdeel '{code}' heeft geen massa, dus een fractie ervan is niet in kg om te rekenen; geef "
        "de massa"
    ),
    "the materials of part '{code}' weigh {total} kg, more than the part itself ({mass} kg)": (
        "de materialen van onderdeel '{code}' wegen {total} kg, meer dan het onderdeel zelf ({mass} kg)"
    ),
    "no site with code '{code}'": "er is geen vestiging met code '{code}'",
    "the shares of part '{code}' add up to {total}, above 1": (
        "de aandelen van onderdeel '{code}' tellen op tot {total}, meer dan 1"
    ),
    # one cell (keten.dataio.specs)
    "is empty; a value is required": "is leeg; een waarde is verplicht",
    "is empty; a number is required": "is leeg; een getal is verplicht",
    "is empty; a quantity is required": "is leeg; een aantal is verplicht",
    "is {length} characters long; at most {most} fit": (
        "is {length} tekens lang; er passen er hoogstens {most}"
    ),
    "'{raw}' is not a number": "'{raw}' is geen getal",
    "'{raw}' is not a finite number": "'{raw}' is geen eindig getal",
    "{raw} is negative; expected a number of at least {minimum}": (
        "{raw} is negatief; verwacht een getal van minstens {minimum}"
    ),
    "{raw} is above {maximum}, the most {column} may be": (
        "{raw} is meer dan {maximum}, het hoogste dat {column} mag zijn"
    ),
    "'{raw}' is not a share; expected 0 to 1 or a percentage like 35 %": (
        "'{raw}' is geen aandeel; verwacht 0 tot 1 of een percentage zoals 35 %"
    ),
    "'{raw}' is outside 0 to 1 (or 0 % to 100 %)": "'{raw}' ligt buiten 0 tot 1 (of 0 % tot 100 %)",
    "'{raw}' is not yes or no": "'{raw}' is geen ja of nee",
    "is empty; expected one of {choices}": "is leeg; verwacht een van {choices}",
    "'{raw}' is not one of {choices}": "'{raw}' is geen van {choices}",
    "'{raw}' is negative; a mass is at least 0": "'{raw}' is negatief; een massa is minstens 0",
    "'{raw}' is above {maximum} kg, the most a mass may be": (
        "'{raw}' is meer dan {maximum} kg, de hoogste massa die kan"
    ),
    "'{raw}' is not an HS or CN code; expected 4 to 10 digits": (
        "'{raw}' is geen HS- of GN-code; verwacht 4 tot 10 cijfers"
    ),
    "'{raw}' is not a quantity; expected a number with an optional unit, such as 2 or 250 g": (
        "'{raw}' is geen hoeveelheid; verwacht een getal, eventueel met een eenheid, zoals 2 of 250 g"
    ),
    "is empty and so is {other}; give one of them": "is leeg en {other} ook; geef een van beide",
    "is given together with {other}; give one of them": "is samen met {other} gegeven; geef een van beide",
    "'{raw}' is not a whole number of days": "'{raw}' is geen geheel aantal dagen",
    # units, identifiers and countries (keten.validators)
    "unknown unit '{unit}'": "onbekende eenheid '{unit}'",
    "the unit is empty": "de eenheid is leeg",
    "unit '{unit}' does not fit a part counted in '{target}'": (
        "eenheid '{unit}' past niet bij een onderdeel dat in '{target}' wordt geteld"
    ),
    "'{raw}' is not a quantity; expected a number with an optional unit, such as 12 g": (
        "'{raw}' is geen hoeveelheid; verwacht een getal, eventueel met een eenheid, zoals 12 g"
    ),
    "'{raw}' is not an ISO 3166-1 alpha-2 country code such as NL, DE or JP": (
        "'{raw}' is geen landcode volgens ISO 3166-1 alpha-2, zoals NL, DE of JP"
    ),
    "'{raw}' is not a KvK number; expected 8 digits": "'{raw}' is geen KvK-nummer; verwacht 8 cijfers",
    "'{raw}' is not a LEI; expected 18 letters or digits and 2 check digits": (
        "'{raw}' is geen LEI; verwacht 18 letters of cijfers en 2 controlecijfers"
    ),
    "'{raw}' is not a valid LEI: its check digits are wrong": (
        "'{raw}' is geen geldige LEI: de controlecijfers kloppen niet"
    ),
    "'{raw}' is not a GLN; expected 13 digits": "'{raw}' is geen GLN; verwacht 13 cijfers",
    "'{raw}' is not a valid GLN: its check digit should be {digit}": (
        "'{raw}' is geen geldige GLN: het controlecijfer moet {digit} zijn"
    ),
    # files and sheets (keten.dataio.tables)
    "has more than {rows} rows, the most one file may hold; split it, or raise the limit with the "
    "setting KETEN_MAX_IMPORT_ROWS": (
        "heeft meer dan {rows} rijen, het meeste dat één bestand mag bevatten; splits het, of verhoog "
        "de grens met de instelling KETEN_MAX_IMPORT_ROWS"
    ),
    "cannot be read as {encoding}: {reason}": "is niet te lezen als {encoding}: {reason}",
    "is neither UTF-8 nor Windows-1252 text (byte {byte} on line {line}); save it as 'CSV UTF-8' or "
    "name its encoding, e.g. --encoding latin-1": (
        "is geen UTF-8- en geen Windows-1252-tekst (byte {byte} op regel {line}); sla het op als "
        "'CSV UTF-8' of noem de codering, bijvoorbeeld --encoding latin-1"
    ),
    "is empty; expected a header line and data rows": "is leeg; verwacht een kopregel en rijen met gegevens",
    "line {line}: {reason}": "regel {line}: {reason}",
    "unpacks to {mb} MB, more than the {most} MB one workbook may; split it, or raise the limit with "
    "the setting KETEN_MAX_UNPACKED_MB": (
        "wordt uitgepakt {mb} MB, meer dan de {most} MB die één werkmap mag zijn; splits het, of "
        "verhoog de grens met de instelling KETEN_MAX_UNPACKED_MB"
    ),
    "is not an XLSX workbook ({reason})": "is geen XLSX-werkmap ({reason})",
    "is not a readable XLSX workbook: its part {member} fails ({reason})": (
        "is geen leesbare XLSX-werkmap: het deel {member} faalt ({reason})"
    ),
    "is not a readable XLSX workbook: fails ({reason})": "is geen leesbare XLSX-werkmap: faalt ({reason})",
    "sheet '{sheet}' cannot be read ({reason}); open and save it again in a spreadsheet program": (
        "werkblad '{sheet}' is niet te lezen ({reason}); open het in een spreadsheetprogramma en sla "
        "het opnieuw op"
    ),
    "has no sheet whose name or columns tell a kind ({kinds}); its sheets are {sheets}": (
        "heeft geen werkblad waarvan de naam of de kolommen een soort aangeven ({kinds}); de werkbladen "
        "zijn {sheets}"
    ),
    "is not valid JSON: {reason}": "is geen geldige JSON: {reason}",
    "expected a JSON object with one list of records per kind": (
        "verwacht een JSON-object met één lijst van records per soort"
    ),
    "'{key}' must be a list of objects": "'{key}' moet een lijst van objecten zijn",
    "has no list named after a kind ({kinds})": "heeft geen lijst met de naam van een soort ({kinds})",
    "{file}: row {row}, column {column} holds a NUL character (U+0000), which no field may contain": (
        "{file}: rij {row}, kolom {column} bevat een NUL-teken (U+0000), dat in geen enkel veld mag staan"
    ),
    "holds a NUL character (U+0000)": "bevat een NUL-teken (U+0000)",
    "'{kind}' is not a kind; expected one of {kinds}": "'{kind}' is geen soort; verwacht een van {kinds}",
    "has the extension '{suffix}'; expected .csv, .xlsx or .json": (
        "heeft de extensie '{suffix}'; verwacht .csv, .xlsx of .json"
    ),
    "holds no CSV, XLSX or JSON file": "bevat geen CSV-, XLSX- of JSON-bestand",
    "does not exist": "bestaat niet",
    # saved column mappings (keten.dataio.mappings)
    "the name must be 1 to 100 characters long": "de naam moet 1 tot 100 tekens lang zijn",
    "the mapping maps no column": "de koppeling koppelt geen enkele kolom",
    "{names} is not a column of {kind}; its columns are {columns}": (
        "{names} is geen kolom van {kind}; de kolommen zijn {columns}"
    ),
    "{names} are not columns of {kind}; its columns are {columns}": (
        "{names} zijn geen kolommen van {kind}; de kolommen zijn {columns}"
    ),
    "no saved column mapping with id {id}": "er is geen opgeslagen kolomkoppeling met id {id}",
    "no column mapping is saved as '{name}'; saved: {known}": (
        "er is geen kolomkoppeling opgeslagen als '{name}'; opgeslagen: {known}"
    ),
}
