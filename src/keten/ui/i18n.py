"""Dutch and English labels: the English text is the key, ``NL`` gives its Dutch translation.

A label missing from ``NL`` shows in English; tests/web check that every label used in a template
has its Dutch translation.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

__all__ = ["COOKIE", "DEFAULT_LANGUAGE", "LANGUAGES", "NL", "gettext", "language_of"]

LANGUAGES = {"en": "English", "nl": "Nederlands"}
DEFAULT_LANGUAGE = "en"
COOKIE = "keten_lang"

NL: dict[str, str] = {
    # shell
    "Overview": "Overzicht",
    "Parts": "Onderdelen",
    "Organizations": "Organisaties",
    "Import": "Importeren",
    "Users": "Gebruikers",
    "Account": "Account",
    "Sign in": "Inloggen",
    "Sign out": "Uitloggen",
    "Language": "Taal",
    "Skip to content": "Naar de inhoud",
    "Signed in as {name} ({role})": "Ingelogd als {name} ({role})",
    "viewer": "lezer",
    "editor": "bewerker",
    "admin": "beheerder",
    "Previous": "Vorige",
    "Next": "Volgende",
    "{start}–{end} of {total}": "{start}–{end} van {total}",
    "Nothing here yet.": "Hier staat nog niets.",
    "Search": "Zoeken",
    "Filter": "Filteren",
    "All": "Alle",
    "Name": "Naam",
    "Code": "Code",
    "Kind": "Soort",
    "Role": "Rol",
    "Country": "Land",
    "City": "Plaats",
    "Unit": "Eenheid",
    "Mass (kg)": "Massa (kg)",
    "Category": "Categorie",
    "Quantity": "Aantal",
    "Position": "Positie",
    "Actions": "Acties",
    "Save": "Opslaan",
    "Back": "Terug",
    "Yes": "Ja",
    "No": "Nee",
    # errors
    "Page not found": "Pagina niet gevonden",
    "Not allowed": "Niet toegestaan",
    "Something went wrong": "Er ging iets mis",
    "Check what you entered": "Controleer wat u invulde",
    "Total in one {part}": "Totaal in één {part}",
    "Your role ({role}) does not allow this; it needs the {required} role.": (
        "Uw rol ({role}) staat dit niet toe; daarvoor is de rol {required} nodig."
    ),
    "Go to the overview": "Naar het overzicht",
    # sign-in and account
    "Username": "Gebruikersnaam",
    "Password": "Wachtwoord",
    "The username or password is wrong.": "De gebruikersnaam of het wachtwoord klopt niet.",
    "Too many failed sign-ins; try again in {seconds} seconds.": (
        "Te vaak mislukt; probeer het over {seconds} seconden opnieuw."
    ),
    "The form expired; please try again.": "Het formulier is verlopen; probeer het opnieuw.",
    "The open digital backbone for high-tech value chains": (
        "De open digitale ruggengraat voor hightech-waardeketens"
    ),
    "API tokens": "API-tokens",
    "Personal API tokens let scripts use the JSON API as you: send them as "
    "<code>Authorization: Bearer …</code>.": (
        "Met persoonlijke API-tokens gebruiken scripts de JSON-API namens u: stuur ze mee als "
        "<code>Authorization: Bearer …</code>."
    ),
    "Token name": "Naam van het token",
    "Create token": "Token aanmaken",
    "Copy this token now: it is shown only once.": "Kopieer dit token nu: het wordt maar één keer getoond.",
    "Created": "Aangemaakt",
    "Last used": "Laatst gebruikt",
    "Revoke": "Intrekken",
    "Revoked": "Ingetrokken",
    "Active": "Actief",
    "Never": "Nooit",
    "Recent activity": "Recente activiteit",
    "When": "Wanneer",
    "Who": "Wie",
    "What": "Wat",
    # users
    "New user": "Nieuwe gebruiker",
    "Create user": "Gebruiker aanmaken",
    "Display name": "Weergavenaam",
    "Deactivate": "Deactiveren",
    "Activate": "Activeren",
    "Inactive": "Inactief",
    "Last sign-in": "Laatst ingelogd",
    "Audit log": "Auditlog",
    # overview
    "What is loaded": "Wat is geladen",
    "products": "producten",
    "parts": "onderdelen",
    "BOM lines": "stuklijstregels",
    "materials": "materialen",
    "organizations": "organisaties",
    "sites": "locaties",
    "sourcing links": "leveringsrelaties",
    "Last imports": "Laatste imports",
    "No imports yet.": "Nog geen imports.",
    "File": "Bestand",
    "Rows": "Rijen",
    "Inserted": "Toegevoegd",
    "Updated": "Bijgewerkt",
    "Deleted": "Verwijderd",
    "By": "Door",
    "Warnings": "Waarschuwingen",
    "Bought parts without a source": "Inkoopdelen zonder leverancier",
    "No warnings.": "Geen waarschuwingen.",
    "Bought parts without a source: {count}": "Inkoopdelen zonder leverancier: {count}",
    "Parts without mass: {count}": "Onderdelen zonder massa: {count}",
    "Products without a BOM: {count}": "Producten zonder stuklijst: {count}",
    "Nothing is loaded yet. Start with an import.": "Er is nog niets geladen. Begin met een import.",
    # parts
    "Search part number or name": "Zoek op onderdeelnummer of naam",
    "Part number": "Onderdeelnummer",
    "product": "product",
    "assembly": "samenstelling",
    "component": "component",
    "material": "materiaal",
    "consumable": "verbruiksartikel",
    "Bill of materials": "Stuklijst",
    "Where used": "Waar gebruikt",
    "Materials": "Materialen",
    "Sources": "Bronnen",
    "Details": "Gegevens",
    "Revision": "Revisie",
    "Value chain": "Waardeketen",
    "HS code": "GN-code",
    "Description": "Omschrijving",
    "This part has no BOM.": "Dit onderdeel heeft geen stuklijst.",
    "Not used in any BOM.": "Komt in geen stuklijst voor.",
    "No material composition.": "Geen materiaalsamenstelling.",
    "No sources.": "Geen leveranciers.",
    "Material": "Materiaal",
    "Family": "Familie",
    "Recycled share": "Aandeel gerecycled",
    "Supplier": "Leverancier",
    "Site": "Locatie",
    "Share": "Aandeel",
    "Lead time (days)": "Levertijd (dagen)",
    "Price (EUR)": "Prijs (EUR)",
    "Qualified alternate": "Gekwalificeerd alternatief",
    "Expand": "Uitklappen",
    "Collapse": "Inklappen",
    "Show more ({count})": "Meer tonen ({count})",
    "Stock": "Voorraad",
    "On hand": "Op voorraad",
    "Safety stock": "Veiligheidsvoorraad",
    "Weekly usage": "Verbruik per week",
    "Children": "Onderdelen",
    # organizations
    "Supplier countries": "Landen van leveranciers",
    "Sites": "Locaties",
    "Parts supplied": "Geleverde onderdelen",
    "Supplied parts": "Geleverde onderdelen",
    "own": "eigen",
    "supplier": "leverancier",
    "customer": "klant",
    "partner": "partner",
    "Sites per country": "Locaties per land",
    "No supplier sites yet.": "Nog geen leverancierslocaties.",
    "KvK number": "KvK-nummer",
    "Website": "Website",
    # import
    "Import data": "Gegevens importeren",
    "Upload CSV or XLSX files named after their kind (parts.csv, bom.csv, …) or an XLSX workbook "
    "with one sheet per kind. keten checks them first and shows what it would do; nothing is "
    "written until you confirm.": (
        "Upload CSV- of XLSX-bestanden met de soort als naam (parts.csv, bom.csv, …) of een "
        "XLSX-werkmap met één blad per soort. keten controleert ze eerst en laat zien wat het zou "
        "doen; er wordt niets geschreven voordat u bevestigt."
    ),
    "Files": "Bestanden",
    "Kind of a file whose name does not say it": "Soort van een bestand waarvan de naam het niet zegt",
    "from the file name": "uit de bestandsnaam",
    "Check": "Controleren",
    "Validation report": "Controlerapport",
    "Errors: {count}. Nothing was written.": "Fouten: {count}. Er is niets geschreven.",
    "Row": "Rij",
    "Column": "Kolom",
    "Message": "Melding",
    "No errors. Confirm to write:": "Geen fouten. Bevestig om te schrijven:",
    "Confirm import": "Import bevestigen",
    "Cancel": "Annuleren",
    "Imported.": "Geïmporteerd.",
    "The upload expired or was already imported; upload the files again.": (
        "De upload is verlopen of al geïmporteerd; upload de bestanden opnieuw."
    ),
    "Choose at least one file.": "Kies ten minste één bestand.",
    "The files are larger than {mb} MB together; import them with keten import.": (
        "De bestanden zijn samen groter dan {mb} MB; importeer ze met keten import."
    ),
    "Unchanged": "Ongewijzigd",
    "See the format": "Bekijk het formaat",
    # footprints
    "Footprint": "Voetafdruk",
    "Carbon footprint": "CO2-voetafdruk",
    "5th–95th percentile": "5e–95e percentiel",
    "After": "Na",
    "Before": "Voor",
    "By country": "Per land",
    "By life-cycle stage": "Per levensfase",
    "By material": "Per materiaal",
    "By part (first BOM level)": "Per onderdeel (eerste stuklijstniveau)",
    "By supplier": "Per leverancier",
    "Calculate and store": "Berekenen en opslaan",
    "Change (kg CO2e)": "Verschil (kg CO2e)",
    "Computed": "Berekend",
    "Contribution treemap": "Bijdragen als boomkaart",
    "Cradle to gate": "Wieg tot poort",
    "Difference": "Verschil",
    "Factor set": "Factorset",
    "Green electricity": "Groene stroom",
    "Hotspots": "Hotspots",
    "Input revisions": "Invoerrevisies",
    "Largest stage": "Grootste fase",
    "Monte Carlo iterations; spreads from each factor's data quality": (
        "Monte Carlo-iteraties; spreiding volgt uit de datakwaliteit van elke factor"
    ),
    "Nothing is stored.": "Er wordt niets opgeslagen.",
    "Now, kg CO2e per unit": "Nu, kg CO2e per eenheid",
    "Part": "Onderdeel",
    "Primary data share": "Aandeel primaire data",
    "Recycled share (0–1)": "Gerecycled aandeel (0–1)",
    "Replace material": "Materiaal vervangen",
    "Stage waterfall": "Watervaldiagram per fase",
    "Stored result": "Opgeslagen resultaat",
    "Supplier PCF (kg CO2e, empty: none)": "PCF van leverancier (kg CO2e, leeg: geen)",
    "Total (kg CO2e per unit)": "Totaal (kg CO2e per eenheid)",
    "Try": "Proberen",
    "Uncertainty": "Onzekerheid",
    "What if": "Wat als",
    "What is missing": "Wat ontbreekt",
    "by": "door",
    "kg CO2e per kWh": "kg CO2e per kWh",
    # exchange
    "Exchange": "Uitwisseling",
    "Partners and credentials": "Partners en toegangsgegevens",
    "Grants": "Toegangsrechten",
    "Access log": "Toegangslog",
    "Footprint requests": "Footprintverzoeken",
    "Client credentials of {code}": "Toegangsgegevens van {code}",
    "The secret is shown only now: give it to the partner over a safe channel.": (
        "Het geheim wordt alleen nu getoond: geef het via een veilig kanaal aan de partner."
    ),
    "Client id": "Client-id",
    "Client secret": "Clientgeheim",
    "Secret set": "Geheim ingesteld",
    "Their PACT API": "Hun PACT-API",
    "New secret": "Nieuw geheim",
    "New partner": "Nieuwe partner",
    "Organization": "Organisatie",
    "Base URL of their PACT API": "Basis-URL van hun PACT-API",
    "Our client id there": "Onze client-id daar",
    "Our client secret there": "Ons clientgeheim daar",
    "PACT version": "PACT-versie",
    "Add partner": "Partner toevoegen",
    "Partner": "Partner",
    "Part or product group": "Onderdeel of productgroep",
    "Purpose": "Doel",
    "Expires": "Verloopt",
    "Status": "Status",
    "group": "groep",
    "Expired": "Verlopen",
    "New grant": "Nieuw toegangsrecht",
    "or product group": "of productgroep",
    "Grant": "Toegang geven",
    "Published footprints": "Gepubliceerde footprints",
    "Publish latest footprint": "Laatste footprint publiceren",
    "Version": "Versie",
    "Valid until": "Geldig tot",
    "Which": "Welke",
    "Answer": "Antwoord",
    "From": "Van",
    "To": "Aan",
    "Incoming requests": "Binnenkomende verzoeken",
    "Products": "Producten",
    "Comment": "Opmerking",
    "Fulfil": "Beantwoorden",
    "Reason": "Reden",
    "Reject": "Afwijzen",
    "Our requests to suppliers": "Onze verzoeken aan leveranciers",
    "pending": "open",
    "fulfilled": "beantwoord",
    "rejected": "afgewezen",
    "Deprecated": "Vervallen",
}

_CATALOGS = {"en": {}, "nl": NL}


def gettext(lang: str, text: str, **values: Any) -> str:
    """Return ``text`` in ``lang`` (English when no translation exists), with ``values`` filled in."""
    translated = _CATALOGS.get(lang, {}).get(text, text)
    return translated.format(**values) if values else translated


def _from_accept_language(header: str) -> str | None:
    best: tuple[float, str] | None = None
    for item in header.split(","):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and (best is None or quality > best[0]):
            best = (quality, primary)
    return best[1] if best else None


def language_of(conn: HTTPConnection) -> str:
    """Return the reader's language: the switch's cookie, else the browser's preference, else English."""
    chosen = conn.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return _from_accept_language(conn.headers.get("accept-language", "")) or DEFAULT_LANGUAGE
