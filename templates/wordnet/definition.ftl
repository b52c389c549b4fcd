<#-- A WordNet 3.1 gloss. The model sees the gloss only: not the synset's words, not its label. -->
Definition: ${text}
Subject field: