<#-- A fortune cookie (Debian's fortunes). The model sees the text only: not its category file, and no
     attribution line (the importer removes them: "-- Kirk, stardate 3018.2" would give startrek away). -->
Fortune cookie: ${text}
Topic:
