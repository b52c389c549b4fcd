<#-- A Webster's 1913 sense (GCIDE). The model sees the definition only: not the headword, not its label. -->
Definition from an old dictionary: ${text}
Subject field: