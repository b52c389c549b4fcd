<#-- A sweep's comparison page in Markdown; plots beside it in plots/. Model: see SweepReport.write. -->
# ${title}

Sweep folder `${sweepDir}`; swept overrides <#list overrides as o>`${o}`<#sep> </#list>; started ${started}, ended ${ended}.

## Jobs

| job | status | report |
|---|---|---|
<#list jobs as j>
| ${j.label} | ${j.status}<#if j.error?has_content>: ${j.error}</#if> | <#if j.report?has_content>[report.html](${j.report})<#else>none</#if> |
</#list>

## Accuracy by job and method

Mean accuracy +- 95% CI; **bold**: the best cell of each column.

| job | method |<#list settings as s> ${s} |</#list>
|---|---|<#list settings as s>---|</#list>
<#list rows as r>
| ${r.job} | `${r.method}`<#if r.floor> (floor)</#if> |<#list r.values as v> <#if v.best>**${v.text}**<#else>${v.text}</#if> |</#list>
</#list>

## Per setting

<#list plots as p>
![${p.title}](${p.file})

*${p.title}.* ${p.caption}

</#list>
