<#-- A FOLDOC entry. The model sees the entry text only: not the term, not its category. -->
Computing dictionary entry: ${text}
Category: