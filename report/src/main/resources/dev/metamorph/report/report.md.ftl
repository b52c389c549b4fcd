<#-- The run report in Markdown; plots are the PNGs in plots/ beside it. Model: see RunReport.model. -->
<#macro figures list empty>
<#if list?has_content>
<#list list as p>
![${p.title}](${p.file})

*${p.title}.* ${p.caption}

</#list>
<#else>
_${empty}_

</#if>
</#macro>
# ${title}

## ${sections["summary"]}

<#list summary as line>
- ${line}
</#list>
<#if tornLines gt 0>

_${tornLines} line(s) of metrics.jsonl were not complete JSON (the run stopped while writing) and were skipped._
</#if>

## ${sections["results"]}

<#if results?has_content>
Every row of `report/results.json`: mean over the fixed test episodes +- 95% CI (1.96 sd / sqrt(n)), all rows of a setting on the same episodes. Floors involve no meta-learning; **best** marks the best row of each setting.

| method | kind | domain | setting | accuracy | macro-F1 | episodes |
|---|---|---|---|---|---|---|
<#list results as r>
| `${r.method}`<#if r.best> **best**</#if> | ${r.kind} | ${r.domain} | ${r.setting} | <#if r.best>**${r.accuracy}**<#else>${r.accuracy}</#if> | ${r.macroF1} | ${r.episodes} |
</#list>
<#else>
_No results in this run (no report/results.json and no eval events)._
</#if>

## ${sections["meta-training"]}

<#if metaTraining.present>
<#list metaTraining.lines as l>
- ${l}
</#list>

</#if>
<@figures plots["meta-training"] "No meta-training in this run (an adapt run starts from a saved theta_0)."/>
## ${sections["curriculum"]}

<#if curricula?has_content>
| target | stages | grow / shrink / rollback | target loss (report episodes) before -> after | source loss before -> after | forgetting |
|---|---|---|---|---|---|
<#list curricula as c>
| ${c.target} | ${c.stages} | ${c.grow} / ${c.shrink} / ${c.rollback} | ${c.targetBefore} -> ${c.targetAfter} | ${c.sourceBefore} -> ${c.sourceAfter} | ${c.forgetting} |
</#list>

<#list curricula as c>
- ${c.target}: <#list c.stageLines as s>${s}<#sep>; </#list>.
</#list>

</#if>
<@figures plots["curriculum"] "No curriculum in this run (curriculum.enabled = false, or the model's head is not a prototype head)."/>
## ${sections["shots"]}

<@figures plots["shots"] "No results to plot."/>
## ${sections["domains"]}

<@figures plots["domains"] "No results to plot."/>
## ${sections["forgetting"]}

<@figures plots["forgetting"] "No curriculum ran, so nothing could be forgotten."/>
## ${sections["stage-times"]}

<#if stageTimes.rows?has_content>
| stage | seconds |
|---|---|
<#list stageTimes.rows as t>
| ${t.stage} | ${t.seconds} |
</#list>
| all stages | ${stageTimes.total} |
<#else>
_No stage-time events in metrics.jsonl._
</#if>

## ${sections["adapters"]}

<#if artifacts?has_content>
| file | what | bytes |
|---|---|---|
<#list artifacts as a>
| `${a.absolute}` | ${a.what} | ${a.bytes} |
</#list>
<#else>
_No model/ or export/ files in this run folder._
</#if>

## ${sections["config"]}

Overrides as typed: <#if overrides?has_content><#list overrides as o>`${o}`<#sep> </#list><#else>none</#if>.

```hocon
${config}
```

## ${sections["provenance"]}

| key | value |
|---|---|
<#list provenance as p>
| ${p.key} | `${p.value}` |
</#list>
