<#-- Legal instruction style: the sense is framed as a case under an article. The article number is the
     sense number from the record id (gcide:affray#2 -> 2), never the headword. -->
<#assign sense = id?keep_after_last("#")>
<#assign article = sense?has_content?then(sense, "1")>
According to article ${article}, in this case ${text?uncap_first?remove_ending(".")}.
Which field governs this case?