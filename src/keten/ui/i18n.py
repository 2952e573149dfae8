"""Dutch and English labels: the English text is the key, ``NL`` gives its Dutch translation.

A label missing from ``NL`` shows in English; tests/web check that every label used in a template
has its Dutch translation.
"""

from __future__ import annotations

import gettext as _gettext
import re
from functools import cache
from typing import Any

import pycountry
from starlette.requests import HTTPConnection

from keten.messages import Message, Term
from keten.ui import format as fmt
from keten.ui.i18n_import import COLUMNS_NL, IMPORT_NL

__all__ = [
    "COOKIE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "MESSAGES_NL",
    "NL",
    "country_name",
    "gettext",
    "language_of",
    "say",
    "translate_message",
]

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
    # first use: what a page says while it works, and figures kept apart
    "Use and end of life": "Gebruik en einde levensduur",
    "{part} (own)": "{part} (eigen)",
    "in-house": "eigen productie",
    "Hotspots, cradle to gate": "Hotspots, wieg tot poort",
    "Shares are of the cradle-to-gate total ({gate} kg CO2e); the use phase and end of life "
    "({beyond} kg CO2e) are not made by a part and stand apart.": (
        "Aandelen zijn van het totaal van wieg tot poort ({gate} kg CO2e); de gebruiksfase en het "
        "einde levensduur ({beyond} kg CO2e) komen niet uit een onderdeel en staan apart."
    ),
    "By supplier, cradle to gate": "Per leverancier, wieg tot poort",
    "By country, cradle to gate": "Per land, wieg tot poort",
    "By material, cradle to gate": "Per materiaal, wieg tot poort",
    "Calculate": "Berekenen",
    "kg CO2e per unit": "kg CO2e per stuk",
    "Products: footprint and supply risk": "Producten: voetafdruk en leveringsrisico",
    "Revenue per week": "Omzet per week",
    "Single failures that stop it": "Enkele uitvallen die het stilleggen",
    "Costliest single failure": "Duurste enkele uitval",
    "Not calculated yet": "Nog niet berekend",
    "at risk": "op het spel",
    "{share} of bought parts have a single source.": "{share} van de ingekochte onderdelen heeft één bron.",
    "{count} more products": "nog {count} producten",
    "{part} is granted to a partner but its footprint is not published yet: the partner sees "
    "nothing of it until you publish.": (
        "{part} is aan een partner toegekend, maar de footprint ervan is nog niet gepubliceerd: "
        "de partner ziet er niets van tot u publiceert."
    ),
    "Publish the latest footprint of {part}": "Laatste footprint van {part} publiceren",
    "See its footprint": "Footprint bekijken",
    "Publishing…": "Bezig met publiceren…",
    "{count} chosen": "{count} gekozen",
    "Supply-chain risk assessment": "Beoordeling van het leveringsrisico in de keten",
    "Search a country, supplier, material or site": "Zoek een land, leverancier, materiaal of locatie",
    "Calculating over the whole chain…": "Bezig met berekenen over de hele keten…",
    "Computing every scenario and typesetting the report…": (
        "Bezig met het doorrekenen van elk scenario en het opmaken van het rapport…"
    ),
    # the risk assessment report
    "page": "pagina",
    "of": "van",
    "assessment date": "beoordelingsdatum",
    "data fingerprint": "vingerafdruk van de gegevens",
    "critical raw materials data": "gegevens kritieke grondstoffen",
    "Prepared under Article 24 of Regulation (EU) 2024/1252 (Critical Raw Materials Act): where "
    "the strategic raw materials in the company's products come from, how concentrated their "
    "supply is, which disruptions stop production and what would prevent it. Every figure is "
    "computed by keten from the stored bill of materials, material composition, sourcing, lead "
    "times and stock; the data fingerprint and the inputs below identify what it read, so the "
    "same data and inputs give the same report.": (
        "Opgesteld volgens artikel 24 van Verordening (EU) 2024/1252 (verordening kritieke "
        "grondstoffen): waar de strategische grondstoffen in de producten van het bedrijf vandaan "
        "komen, hoe geconcentreerd hun aanbod is, welke verstoringen de productie stilleggen en wat "
        "dat zou voorkomen. Elk getal is door keten berekend uit de opgeslagen stuklijst, "
        "materiaalsamenstelling, inkoop, levertijden en voorraad; de vingerafdruk van de gegevens en "
        "de invoer hieronder geven aan wat het las, zodat dezelfde gegevens en invoer hetzelfde "
        "rapport geven."
    ),
    "Inputs: outage per node {weeks} weeks, horizon {horizon} weeks, top {top} listed.": (
        "Invoer: uitval per knooppunt {weeks} weken, horizon {horizon} weken, de eerste {top} vermeld."
    ),
    "Inputs: outage per node each node's time to recover (longest lead time of its sourcing; "
    "materials {material} weeks), horizon {horizon} weeks, top {top} listed.": (
        "Invoer: uitval per knooppunt gelijk aan zijn hersteltijd (langste levertijd van zijn "
        "inkoop; materialen {material} weken), horizon {horizon} weken, de eerste {top} vermeld."
    ),
    "1. Products assessed": "1. Beoordeelde producten",
    "EU list entry": "Vermelding op de EU-lijst",
    "Through parts (suppliers)": "Via onderdelen (leveranciers)",
    "kg per week": "kg per week",
    "Own suppliers": "Eigen leveranciers",
    "HHI own sourcing": "HHI eigen inkoop",
    "HHI world extraction": "HHI wereldwinning",
    "HHI world processing": "HHI wereldverwerking",
    "Largest country": "Grootste land",
    "Supplier (country)": "Leverancier (land)",
    "Stock, weeks": "Voorraad, weken",
    "Alternate": "Alternatief",
    "Revenue behind per week": "Omzet erachter per week",
    "Supplier sites": "Leverancierslocaties",
    "Spend per week": "Inkoop per week",
    "Critical raw materials mined or processed there": (
        "Kritieke grondstoffen die er gewonnen of verwerkt worden"
    ),
    "Time to recover": "Hersteltijd",
    "Time to survive": "Overleeftijd",
    "TTR, weeks": "TTR, weken",
    "TTS, weeks": "TTS, weken",
    "Scenario": "Scenario",
    "Products stop": "Producten stoppen",
    "2. Strategic and critical raw materials in the products": (
        "2. Strategische en kritieke grondstoffen in de producten"
    ),
    "3. Where the materials come from and how concentrated their supply is": (
        "3. Waar de materialen vandaan komen en hoe geconcentreerd hun aanbod is"
    ),
    "Sourcing concentration of bought parts": "Concentratie van de inkoop van ingekochte onderdelen",
    "4. Critical nodes: single failures ranked by revenue at risk": (
        "4. Kritieke knooppunten: enkele uitval gerangschikt naar omzet op het spel"
    ),
    "5. Scenarios": "5. Scenario's",
    "6. Mitigations of the most critical nodes": "6. Maatregelen voor de meest kritieke knooppunten",
    "No material of the EU critical raw materials list found in this product's composition.": (
        "Geen materiaal van de EU-lijst van kritieke grondstoffen gevonden in de samenstelling van "
        "dit product."
    ),
    "No scenarios are saved; the ranking above covers every single failure.": (
        "Er zijn geen scenario's bewaard; de rangschikking hierboven dekt elke enkele uitval."
    ),
    "No node puts revenue at risk.": "Geen knooppunt zet omzet op het spel.",
    "weekly demand fitted to the stored weekly usage of the bought parts (no demand stored for "
    "the product).": (
        "wekelijkse vraag afgeleid uit het opgeslagen wekelijkse verbruik van de ingekochte "
        "onderdelen (geen vraag opgeslagen voor het product)."
    ),
    "critical": "kritiek",
    "no source": "geen bron",
    "HHI on the 0..1 scale (×10,000 for the antitrust convention). World shares list the "
    "countries with at least 5 % of supply, so the world HHI is a lower bound.": (
        "HHI op de schaal 0..1 (×10.000 volgens de mededingingsconventie). Wereldaandelen noemen de "
        "landen met minstens 5 % van het aanbod, dus de wereld-HHI is een ondergrens."
    ),
    "{sourced} bought parts are sourced; {single} from a single supplier and {country} from a "
    "single country. The single-source parts with the most revenue behind them:": (
        "{sourced} ingekochte onderdelen hebben een bron; {single} één leverancier en {country} één "
        "land. De onderdelen met één bron met de meeste omzet erachter:"
    ),
    "qualified": "gekwalificeerd",
    "none": "geen",
    "{count} suppliers, countries and critical raw materials were each failed alone. Time to "
    "survive (TTS) is when the first product stops; a node is exposed where it is shorter than "
    "its time to recover (TTR).": (
        "{count} leveranciers, landen en kritieke grondstoffen zijn elk afzonderlijk uitgeschakeld. "
        "De overleeftijd (TTS) is het moment waarop het eerste product stopt; een knooppunt is "
        "blootgesteld waar die korter is dan zijn hersteltijd (TTR)."
    ),
    "{part} on {day}": "{part} op {day}",
    "{amount} at risk over {weeks} weeks": "{amount} op het spel over {weeks} weken",
    "{count} parts, e.g.": "{count} onderdelen, bijv.",
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
    "Files": "Bestanden",
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
    "Upload CSV, XLSX or JSON files with any names: keten tells each file's or sheet's kind (parts, "
    "BOM, …) from its columns, proposes how its columns map onto keten's, and shows the first rows "
    "as it reads them. Semicolons, decimal commas and Windows-1252 text, as Dutch Excel writes them, "
    "are read as they are. Nothing is written until you confirm.": (
        "Upload CSV-, XLSX- of JSON-bestanden met elke naam: keten leidt de soort van elk bestand of "
        "blad (onderdelen, stuklijst, …) af uit de kolommen, stelt voor hoe de kolommen op die van "
        "keten aansluiten en toont de eerste rijen zoals keten ze leest. Puntkomma's, decimale "
        "komma's en Windows-1252-tekst, zoals Nederlandse Excel ze schrijft, worden gewoon gelezen. "
        "Er wordt niets geschreven voordat u bevestigt."
    ),
    "Saved column mapping": "Opgeslagen kolomindeling",
    "applied by itself when the headers match": "vanzelf toegepast als de kolomkoppen passen",
    "Reading the files and checking every row…": "Bestanden lezen en elke rij controleren…",
    "What was imported": "Wat er is geïmporteerd",
    "Part and its BOM": "Onderdeel en stuklijst",
    "and {count} more products": "en nog {count} producten",
    "All parts": "Alle onderdelen",
    "Import more": "Meer importeren",
    "Correct the mapping below, or add a corrected file, and check again: the other files stay chosen.": (
        "Verbeter hieronder de kolomindeling, of voeg een verbeterd bestand toe, en controleer opnieuw: "
        "de andere bestanden blijven gekozen."
    ),
    "Column mapping saved: {names}": "Kolomindeling opgeslagen: {names}",
    "saved mapping: {name}": "opgeslagen indeling: {name}",
    "{count} rows": "{count} rijen",
    "choose…": "kies…",
    "Column mapping": "Kolomindeling",
    "Column in the file": "Kolom in het bestand",
    "keten column": "keten-kolom",
    "First values": "Eerste waarden",
    "keten column for {header}": "keten-kolom voor {header}",
    "— not imported —": "— niet importeren —",
    "* required. keten proposed this mapping from the headers; correct it with the lists and check again.": (
        "* verplicht. keten stelde deze indeling voor op basis van de kolomkoppen; verbeter haar met de "
        "keuzelijsten en controleer opnieuw."
    ),
    "Required columns that no header maps onto: {columns}": (
        "Verplichte kolommen waar geen kolomkop op aansluit: {columns}"
    ),
    "Preview: the first rows as keten reads them": "Voorbeeld: de eerste rijen zoals keten ze leest",
    "Save this mapping as": "Deze indeling opslaan als",
    "for example: ERP export": "bijvoorbeeld: ERP-export",
    "keten cannot tell which kind this table holds from its name or its columns: choose it above and "
    "check again.": (
        "keten kan uit de naam en de kolommen niet afleiden welke soort deze tabel bevat: kies die "
        "hierboven en controleer opnieuw."
    ),
    "Its columns:": "De kolommen:",
    "Add or replace files": "Bestanden toevoegen of vervangen",
    "Check again": "Opnieuw controleren",
    "Start over": "Opnieuw beginnen",
    "Files in this import: {names}": "Bestanden in deze import: {names}",
    "bom": "stuklijst",
    "composition": "samenstelling",
    "sourcing": "inkoop",
    "stock": "voorraad",
    # footprints
    "Footprint": "Voetafdruk",
    "Footprints": "Voetafdrukken",
    "Data quality (1 best, 5 worst)": "Datakwaliteit (1 best, 5 slechtst)",
    "of emissions rated": "van de emissies beoordeeld",
    "Purchased": "Ingekocht",
    "Energy": "Energie",
    "Process": "Proces",
    "Transport": "Transport",
    "Use": "Gebruik",
    "End of life": "Einde levensduur",
    "Total": "Totaal",
    "Cradle to gate, by stage": "Wieg tot poort, per fase",
    "Over the product's life": "Over de levensduur van het product",
    "Life-cycle waterfall": "Watervaldiagram over de levensduur",
    "Cradle to gate, by part (first BOM level)": "Wieg tot poort, per onderdeel (eerste stuklijstniveau)",
    "Product": "Product",
    "No stored footprint yet.": "Nog geen opgeslagen voetafdruk.",
    "No products yet.": "Nog geen producten.",
    "Factor sets": "Factorsets",
    "Version": "Versie",
    "Factors": "Factoren",
    "Default": "Standaard",
    "No factor sets yet. Load one with keten footprint load-factors.": (
        "Nog geen factorsets. Laad er een met keten footprint load-factors."
    ),
    "Carbon footprint": "CO2-voetafdruk",
    "5th–95th percentile": "5e–95e percentiel",
    "After": "Na",
    "Before": "Voor",
    "By country": "Per land",
    "By material": "Per materiaal",
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
    # supply-chain risk
    "A second country": "Een tweede land",
    "Bought parts with a source": "Ingekochte onderdelen met een bron",
    "Choose Mitigations on a row to see what closes its gap.": (
        "Kies Maatregelen op een regel om te zien wat het gat dicht."
    ),
    "Choose what becomes unavailable, from when and for how long.": (
        "Kies wat wegvalt, vanaf wanneer en hoe lang."
    ),
    "Compute": "Berekenen",
    "Cost": "Kosten",
    "Countries": "Landen",
    "Critical nodes": "Kritieke knooppunten",
    "Critical raw materials": "Kritieke grondstoffen",
    "Data fingerprint": "Vingerafdruk van de gegevens",
    "Date": "Datum",
    "EU list": "EU-lijst",
    (
        "Every supplier, country and critical raw material fails alone, for its time to recover "
        "unless an outage is given; ranked by the revenue lost within a year."
    ): (
        "Elke leverancier, elk land en elke kritieke grondstof valt afzonderlijk uit, zo lang als"
        " het herstel duurt tenzij een duur is opgegeven; gerangschikt naar de omzet die binnen "
        "een jaar verloren gaat."
    ),
    "Exposure by country": "Blootstelling per land",
    "Extra safety stock": "Extra veiligheidsvoorraad",
    "Starting": "Vanaf",
    "Impact week by week": "Gevolgen per week",
    "Issue a report": "Rapport opstellen",
    "Issued by": "Opgesteld door",
    "Main supplying countries": "Belangrijkste leverende landen",
    "Measure": "Maatregel",
    "Mitigations": "Maatregelen",
    "€ revenue at risk": "€ omzet in gevaar",
    "No critical raw material found in this product's composition.": (
        "Geen kritieke grondstof gevonden in de samenstelling van dit product."
    ),
    "No part runs out.": "Geen onderdeel raakt op.",
    "No report issued yet.": "Nog geen rapport opgesteld.",
    "No saved scenarios yet.": "Nog geen bewaarde scenario’s.",
    "Node": "Knooppunt",
    "Outage in weeks": "Uitval in weken",
    "Parts short": "Onderdelen tekort",
    "Parts that run out": "Onderdelen die opraken",
    "Products": "Producten",
    "Products stopped": "Stilgevallen producten",
    "Qualify an alternate": "Een alternatieve bron kwalificeren",
    "Rank": "Rangschikken",
    "Raw materials": "Grondstoffen",
    "Revenue at risk": "Omzet in gevaar",
    "Revenue at risk after": "Omzet in gevaar daarna",
    (
        "Revenue at risk if the country fails for its time to recover: its supplier sites and its"
        " share of the world supply of the critical raw materials in the products."
    ): (
        "Omzet in gevaar als het land uitvalt zo lang als het herstel duurt: de vestigingen van "
        "leveranciers daar en het aandeel van het land in de wereldproductie van de kritieke "
        "grondstoffen in de producten."
    ),
    "Revenue at risk over {weeks} weeks": "Omzet in gevaar over {weeks} weken",
    "Revenue lost": "Verloren omzet",
    "Revenue lost (€)": "Verloren omzet (€)",
    "Revenue lost, last run": "Verloren omzet, laatste berekening",
    "Revenue per unit": "Omzet per stuk",
    "Risk": "Risico",
    "Risk assessment reports": "Risicobeoordelingen",
    "Risk views": "Risico-overzichten",
    "Runs out on": "Raakt op op",
    "Save this scenario": "Dit scenario bewaren",
    "Saved": "Bespaard",
    "Saved scenarios": "Bewaarde scenario’s",
    "Scenario builder": "Scenario’s doorrekenen",
    "Show": "Tonen",
    "Single-country parts": "Onderdelen uit één land",
    "Single-source parts": "Onderdelen met één bron",
    (
        "Source: the EU 2023 critical raw materials list (Regulation (EU) 2024/1252, Annexes I "
        "and II) and the 2023 study's global supply shares; see data/crm."
    ): (
        "Bron: de EU-lijst van kritieke grondstoffen 2023 (Verordening (EU) 2024/1252, bijlagen I"
        " en II) en de wereldwijde aanbodaandelen uit de studie van 2023; zie data/crm."
    ),
    "Stops on": "Valt stil op",
    "Suppliers that stop a product before they recover": (
        "Leveranciers die een product stilleggen voordat ze hersteld zijn"
    ),
    "Suppliers, countries and materials": "Leveranciers, landen en grondstoffen",
    "Supply risk": "Leveringsrisico",
    "Supply-chain risk": "Ketenrisico",
    (
        "The supply-chain risk assessment of the Critical Raw Materials Act, dated and with the "
        "fingerprint of the data it read."
    ): (
        "De risicobeoordeling van de toeleveringsketen volgens de verordening kritieke "
        "grondstoffen, gedateerd en met de vingerafdruk van de gelezen gegevens."
    ),
    "Through parts and suppliers": "Via onderdelen en leveranciers",
    "Time to recover (weeks)": "Hersteltijd (weken)",
    "Time to survive (weeks)": "Overlevingstijd (weken)",
    "Unavailable": "Niet beschikbaar",
    "Units lost": "Verloren eenheden",
    "Units per week": "Stuks per week",
    "Weeks": "Weken",
    "Weeks followed": "Weken gevolgd",
    "Weeks unavailable": "Weken niet beschikbaar",
    "and {count} more": "en nog {count}",
    "country": "land",
    "extraction": "winning",
    "fitted to the weekly usage of the parts": "afgeleid uit het weekverbruik van de onderdelen",
    "keeps running": "blijft draaien",
    "kg per unit": "kg per stuk",
    "processing": "raffinage",
    "site": "vestiging",
    "strategic": "strategisch",
    "weeks": "weken",
    "{count} parts at {site} ({country}), qualified in {weeks} weeks": (
        "{count} onderdelen bij {site} ({country}), gekwalificeerd in {weeks} weken"
    ),
    # passports
    "Manufacturer": "Fabrikant",
    "Importer": "Importeur",
    "Authorised representative": "Gemachtigde",
    "Operator identifier": "Identificatie marktdeelnemer",
    "Postal address": "Postadres",
    "Facility identifier": "Identificatie productielocatie",
    "Renewable content": "Hernieuwbaar gehalte",
    "recycled": "gerecycled",
    "w/w %": "massa-%",
    "Hazard classes": "Gevarenklassen",
    "Performance class": "Prestatieklasse",
    "Standard": "Norm",
    "Life-cycle stages": "Levenscyclusfasen",
    "Study": "Studie",
    "raw material acquisition and pre-processing": "winning en voorbewerking van grondstoffen",
    "main product production": "productie van het hoofdproduct",
    "distribution": "distributie",
    "use": "gebruik",
    "end of life and recycling": "einde levensduur en recycling",
    "Repairability score": "Repareerbaarheidsscore",
    "Markings and labels": "Markeringen en labels",
    "details": "details",
    "Due diligence report": "Due-diligencerapport",
    "Registry identifier": "Registratienummer",
    "Back-up copy": "Reservekopie",
    "Access": "Toegang",
    "As built": "Zoals gebouwd",
    "Batch": "Partij",
    "Commodity code": "Goederencode",
    "Composition": "Samenstelling",
    "Contact": "Contact",
    "Digital Link": "Digital Link",
    "Digital product passport": "Digitaal productpaspoort",
    "Disassembly and end of life": "Demontage en einde levensduur",
    "Documents": "Documenten",
    "Economic operator": "Marktdeelnemer",
    "Expected lifetime": "Verwachte levensduur",
    "Facility": "Productielocatie",
    "Fasteners": "Bevestigingsmiddelen",
    "Identification": "Identificatie",
    "Internal": "Intern",
    "Level": "Niveau",
    "Mass": "Massa",
    "Notes": "Notities",
    "Passport": "Paspoort",
    "Passports": "Paspoorten",
    "Production date": "Productiedatum",
    "QR code of the passport": "QR-code van het paspoort",
    "Recycled": "Gerecycled",
    "Recycled content": "Gerecycled gehalte",
    "Repair and durability": "Reparatie en duurzaamheid",
    "Serial number": "Serienummer",
    "Sign in to see more": "Log in om meer te zien",
    "Signed revision": "Ondertekende revisie",
    "Spare parts": "Reserveonderdelen",
    "Spare parts available": "Reserveonderdelen beschikbaar",
    "Substance": "Stof",
    "Substances of concern": "Zorgwekkende stoffen",
    "Suppliers": "Leveranciers",
    "Tools": "Gereedschap",
    "Warranty": "Garantie",
    "Where": "Waar",
    "authority": "autoriteit",
    "cradle to gate": "van wieg tot poort",
    "days": "dagen",
    "per unit": "per stuk",
    "primary data share": "aandeel primaire gegevens",
    "public key": "publieke sleutel",
    "valid until": "geldig tot",
    "years": "jaar",
    "No passports yet.": "Nog geen paspoorten.",
    "Issue a passport": "Paspoort uitgeven",
    "{part} has no GTIN yet: give it its GTIN to issue its passport.": (
        "{part} heeft nog geen GTIN: geef het product zijn GTIN om het paspoort uit te geven."
    ),
    "Serial numbers (items: separated by spaces, commas or lines)": (
        "Serienummers (exemplaren: gescheiden door spaties, komma's of regels)"
    ),
    "GTIN (if the product has none yet)": "GTIN (als het product er nog geen heeft)",
    "Issue": "Uitgeven",
    "Passports issued and signed: {count}.": "Paspoorten uitgegeven en ondertekend: {count}.",
    "Revision {number} signed.": "Revisie {number} ondertekend.",
    "Nothing changed; no new revision.": "Er is niets veranderd; geen nieuwe revisie.",
    "Revise from the current data": "Herzien met de huidige gegevens",
    "public": "openbaar",
    "legitimate_interest": "gerechtvaardigd belang",
    "owner": "eigenaar",
    "model": "model",
    "batch": "partij",
    "item": "exemplaar",
    "Purchased parts": "Ingekochte onderdelen",
    "Manufacturing energy": "Productie-energie",
    "Process emissions": "Procesemissies",
    "reuse": "hergebruik",
    "remanufacture": "revisie",
    "recycle": "recycling",
    "recover": "terugwinning",
    "dispose": "verwijdering",
    # supplier nameplates (Digital Nameplate of an imported AASX)
    "Supplier nameplate": "Typeplaatje van de leverancier",
    "Product designation": "Productaanduiding",
    "Product family": "Productfamilie",
    "Product type": "Producttype",
    "Order code": "Bestelcode",
    "Article number": "Artikelnummer",
    "Year of construction": "Bouwjaar",
    "Date of manufacture": "Productiedatum",
    "Hardware version": "Hardwareversie",
    "Firmware version": "Firmwareversie",
    "Country of origin": "Land van herkomst",
    "Address": "Adres",
    "Product URI": "Product-URI",
    "Asset ID": "Asset-ID",
    "Source": "Bron",
    "Imported": "Geïmporteerd",
    "No supplier nameplate yet: import the supplier's AASX package.": (
        "Nog geen typeplaatje van een leverancier: importeer het AASX-pakket van de leverancier."
    ),
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
    "Valid until": "Geldig tot",
    "Which": "Welke",
    "Answer": "Antwoord",
    "From": "Van",
    "To": "Aan",
    "Incoming requests": "Binnenkomende verzoeken",
    "Comment": "Opmerking",
    "Fulfil": "Beantwoorden",
    "Reason": "Reden",
    "Reject": "Afwijzen",
    "Our requests to suppliers": "Onze verzoeken aan leveranciers",
    "pending": "open",
    "fulfilled": "beantwoord",
    "rejected": "afgewezen",
    "Deprecated": "Vervallen",
    # connector
    "Factory": "Fabriek",
    "Factory connector": "Fabrieksconnector",
    "Samples": "Metingen",
    "Lag (s)": "Vertraging (s)",
    "Errors": "Fouten",
    "Last values": "Laatste waarden",
    "connected": "verbonden",
    "not connected": "niet verbonden",
    "reported {seconds} s ago": "{seconds} s geleden gemeld",
    "No connector has reported yet: start one with keten connector run CONFIG.": (
        "Er heeft nog geen connector gemeld: start er een met keten connector run CONFIG."
    ),
    "Equipment": "Apparatuur",
    "Signals": "Signalen",
    "Events": "Gebeurtenissen",
    "Event": "Gebeurtenis",
    "Detail": "Details",
    "power_kw": "vermogen (kW)",
    "energy_kwh": "energie (kWh)",
    "state": "toestand",
    "good_count": "goed",
    "scrap_count": "afkeur",
    "order_id": "order",
    "part_number": "onderdeelnummer",
    "reset": "teller teruggezet",
    "rollover": "teller rondgelopen",
    "malformed": "onleesbaar bericht",
    "disconnected": "verbinding verloren",
    "Outbox": "Uitgaande berichten",
    "Events for partners and fetches of their footprints. A failed attempt is tried again after "
    "a growing wait, for up to three days; then it is given up.": (
        "Berichten aan partners en het ophalen van hun footprints. Een mislukte poging wordt na "
        "een steeds langere wachttijd opnieuw gedaan, tot drie dagen lang; daarna wordt ze opgegeven."
    ),
    "Published": "Gepubliceerd",
    "Request": "Verzoek",
    "Fulfilled": "Beantwoord",
    "Rejected": "Afgewezen",
    "Fetch": "Ophalen",
    "Event id": "Bericht-id",
    "Attempts": "Pogingen",
    "Next attempt": "Volgende poging",
    "Last answer": "Laatste antwoord",
    "no answer": "geen antwoord",
    "Retry": "Opnieuw proberen",
    "delivering": "wordt bezorgd",
    "delivered": "bezorgd",
    "failed": "opgegeven",
    "cancelled": "geannuleerd",
    # lifecycle
    "Lifecycle": "Levensloop",
    "What happened to each machine after it left the factory, from its EPCIS events.": (
        "Wat er met elke machine gebeurde nadat ze de fabriek verliet, uit haar EPCIS-gebeurtenissen."
    ),
    "Machines in the field": "Machines in het veld",
    "Machine": "Machine",
    "Machine {serial}": "Machine {serial}",
    "Latest event": "Laatste gebeurtenis",
    "No events yet: partners and services send them to /epcis/capture.": (
        "Nog geen gebeurtenissen: partners en servicediensten sturen ze naar /epcis/capture."
    ),
    "Returns and harvest": "Retouren en oogst",
    "Business step": "Bedrijfsstap",
    "In": "Erin",
    "Out": "Eruit",
    "since {when}": "sinds {when}",
    "Since": "Sinds",
    "Modules it holds now": "Modules die ze nu bevat",
    "Module": "Module",
    "Service record": "Onderhoudshistorie",
    "Location": "Locatie",
    "Timeline": "Tijdlijn",
    "Action": "Actie",
    "in_use": "in gebruik",
    "in_repair": "in reparatie",
    "refurbished": "gereviseerd",
    "end_of_life": "einde levensduur",
    "commissioning": "in gebruik genomen",
    "shipping": "verzonden",
    "receiving": "ontvangen",
    "installing": "geïnstalleerd",
    "inspecting": "geïnspecteerd",
    "repairing": "gerepareerd",
    "replacing": "module vervangen",
    "upgrading": "opgewaardeerd",
    "refurbishing": "gereviseerd",
    "decommissioning": "buiten gebruik gesteld",
    "disassembling": "gedemonteerd",
    "harvesting": "onderdelen geoogst",
    "recycling": "gerecycled",
    "destroying": "vernietigd",
    "ObjectEvent": "objectgebeurtenis",
    "AggregationEvent": "samenstelling",
    "TransformationEvent": "transformatie",
    "AssociationEvent": "koppeling",
    "ADD": "toevoegen",
    "OBSERVE": "waarnemen",
    "DELETE": "verwijderen",
    "Circularity of {part}": "Circulariteit van {part}",
    "Material Circularity Indicator (Ellen MacArthur Foundation): 0 is linear, 1 circular.": (
        "Material Circularity Indicator (Ellen MacArthur Foundation): 0 is lineair, 1 circulair."
    ),
    "Material Circularity Indicator": "Material Circularity Indicator",
    "Mass per unit (kg)": "Massa per eenheid (kg)",
    "Recoverable after use (kg)": "Terug te winnen na gebruik (kg)",
    "Linear flow index": "Lineaire-stroomindex",
    "Utility factor": "Nutsfactor",
    "Assumptions": "Aannames",
    "Collected for recycling": "Ingezameld voor recycling",
    "Collected for reuse": "Ingezameld voor hergebruik",
    "Recycling efficiency": "Rendement van recycling",
    "Industry average lifetime (years)": "Gemiddelde levensduur in de branche (jaren)",
}

# The import's messages and keten's column names have their own module; a label of the pages wins.
for _key, _dutch in {**COLUMNS_NL, **IMPORT_NL}.items():
    NL.setdefault(_key, _dutch)

_CATALOGS = {"en": {}, "nl": NL}

MESSAGES_NL: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), dutch)
    for pattern, dutch in (
        # what the services answer (the JSON API keeps them in English, pages show them in Dutch)
        (r"^there is no part (?P<x>.+)$", "er is geen onderdeel {x}"),
        (r"^there is no part with id (?P<x>.+)$", "er is geen onderdeel met id {x}"),
        (r"^no part with part number (?P<x>.+)$", "er is geen onderdeel met onderdeelnummer {x}"),
        (r"^there is no organization (?P<x>.+)$", "er is geen organisatie {x}"),
        (r"^no organization with code (?P<x>.+)$", "er is geen organisatie met code {x}"),
        (r"^there is no passport (?P<x>.+)$", "er is geen paspoort {x}"),
        (r"^no passport is known for (?P<x>.+)$", "er is geen paspoort bekend voor {x}"),
        (r"^passport (?P<x>\S+) has no revision yet$", "paspoort {x} heeft nog geen revisie"),
        (r"^there is no user (?P<x>.+)$", "er is geen gebruiker {x}"),
        (r"^no material with code (?P<x>.+)$", "er is geen materiaal met code {x}"),
        (
            r"^no footprint of (?P<x>.+) yet; calculate one first$",
            "nog geen footprint van {x}; bereken er eerst een",
        ),
        (r"^no exchange partner with code (?P<x>.+)$", "er is geen uitwisselingspartner met code {x}"),
        (r"^no grant (?P<x>.+)$", "er is geen toegangsrecht {x}"),
        (r"^no footprint request (?P<x>.+)$", "er is geen footprintverzoek {x}"),
        (r"^no report with id (?P<x>.+)$", "er is geen rapport met id {x}"),
        (r"^no factor set (?P<x>.+)$", "er is geen factorset {x}"),
        # pydantic's validation of a form's fields
        (r"^Field required$", "verplicht veld"),
        (r"^String should have at least (?P<x>\d+) characters?$", "moet minstens {x} tekens lang zijn"),
        (r"^String should have at most (?P<x>\d+) characters?$", "mag hoogstens {x} tekens lang zijn"),
        (r"^String should match pattern (?P<x>.+)$", "moet voldoen aan het patroon {x}"),
        (r"^Input should be a valid number.*$", "moet een getal zijn"),
        (r"^Input should be a valid integer.*$", "moet een geheel getal zijn"),
        (r"^Input should be a valid date.*$", "moet een datum zijn (JJJJ-MM-DD)"),
        (r"^Input should be a valid boolean.*$", "moet ja of nee zijn"),
        (r"^Input should be greater than or equal to (?P<x>\S+)$", "moet minstens {x} zijn"),
        (r"^Input should be greater than (?P<x>\S+)$", "moet groter zijn dan {x}"),
        (r"^Input should be less than or equal to (?P<x>\S+)$", "mag hoogstens {x} zijn"),
        (r"^Input should be less than (?P<x>\S+)$", "moet kleiner zijn dan {x}"),
        (r"^Input should be (?P<x>.+)$", "moet {x} zijn"),
        (r"^Value error, (?P<x>.+)$", "{x}"),
    )
)
"""Messages of the services and of pydantic, as patterns, with their Dutch wording."""


def translate_message(lang: str, message: str) -> str:
    """Return a service's or pydantic's ``message`` in ``lang``; each part of a message joined
    with "; " is translated on its own, and a part without a known pattern stays as it is. A
    keten.messages.Message is said from its template and values instead."""
    if isinstance(message, Message):
        return say(lang, message)
    if lang != "nl" or not message:
        return message
    parts = []
    for part in message.split("; "):
        field, sep, text = part.partition(": ") if re.match(r"^[\w.]+: ", part) else ("", "", part)
        for pattern, dutch in MESSAGES_NL:
            found = pattern.match(text)
            if found:
                text = dutch.format(**found.groupdict())
                break
        label = NL.get(field.capitalize(), field) if field else ""
        parts.append(f"{label}{sep}{text}")
    return "; ".join(parts)


def gettext(lang: str, text: str, **values: Any) -> str:
    """Return ``text`` in ``lang`` (English when no translation exists), with ``values`` filled in."""
    translated = _CATALOGS.get(lang, {}).get(text, text)
    return translated.format(**values) if values else translated


def say(lang: str, value: object) -> str:
    """Return a message (keten.messages.Message), or a value inside one, as ``lang`` writes it: the
    template from the catalogue, keten's terms translated, numbers in the language's notation, a list
    joined with commas; any other text as it is."""
    if isinstance(value, Message):
        return value.render(lambda template: gettext(lang, template), lambda inner: say(lang, inner))
    if isinstance(value, Term):
        return gettext(lang, value)
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(say(lang, v) for v in value)
    if isinstance(value, float):
        return fmt.number(value, lang) if value.is_integer() else fmt.quantity(value, lang)
    return "" if value is None else str(value)


@cache
def _country_catalog(lang: str) -> _gettext.NullTranslations:
    # pycountry ships the iso-codes project's translations of the ISO 3166 names.
    return _gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def country_name(alpha2: str | None, lang: str) -> str:
    """Return the short name of the country with ISO code ``alpha2`` in ``lang`` (the code itself
    when there is no such country): "DE" is "Duitsland" in Dutch, "Germany" in English."""
    country = pycountry.countries.get(alpha_2=(alpha2 or "").upper()) if alpha2 else None
    if country is None:
        return alpha2 or ""
    name = str(getattr(country, "common_name", None) or country.name)
    return name if lang == "en" else _country_catalog(lang).gettext(name)


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
