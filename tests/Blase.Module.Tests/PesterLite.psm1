# PesterLite: the part of Pester 5 that Blase's specs use, for machines where Pester cannot be installed.
# Describe/Context/It (with -Skip and -ForEach/-TestCases), BeforeAll/AfterAll/BeforeEach/AfterEach and Should with
# -Be, -BeExactly, -BeLike, -Match, -BeNullOrEmpty, -BeTrue, -BeFalse, -BeGreaterThan, -BeLessThan,
# -BeGreaterOrEqual, -BeLessOrEqual, -BeOfType, -HaveCount, -Contain, -BeIn, -Exist, -Throw, each with -Not.
# As in Pester 5, a spec runs in two passes: discovery runs Describe/Context bodies to find the Its (BeforeAll does not
# run), then the run pass executes setup blocks and Its. Uses only core cmdlets and .NET.

$script:Root = $null
$script:Current = $null

function New-Block([string]$Kind, [string]$Name, $Parent) {
    [pscustomobject]@{
        Kind = $Kind; Name = $Name; Parent = $Parent
        Children = [System.Collections.Generic.List[object]]::new()
        BeforeAll = [System.Collections.Generic.List[scriptblock]]::new()
        AfterAll = [System.Collections.Generic.List[scriptblock]]::new()
        BeforeEach = [System.Collections.Generic.List[scriptblock]]::new()
        AfterEach = [System.Collections.Generic.List[scriptblock]]::new()
        Body = $null; Skip = $false; Data = $null
    }
}

function Get-BlockPath($block) {
    $names = [System.Collections.Generic.List[string]]::new()
    for ($b = $block; $null -ne $b -and $b.Kind -ne 'Root'; $b = $b.Parent) { $names.Insert(0, $b.Name) }
    $names -join ' > '
}

function Add-Container([string]$Kind, [string]$Name, [scriptblock]$Fixture) {
    $block = New-Block $Kind $Name $script:Current
    $script:Current.Children.Add($block)
    $saved = $script:Current
    $script:Current = $block
    try { . $Fixture } finally { $script:Current = $saved }
}

function Describe { param([Parameter(Position = 0)][string]$Name, [Parameter(Position = 1)][scriptblock]$Fixture, [string[]]$Tag)
    Add-Container 'Describe' $Name $Fixture }
function Context { param([Parameter(Position = 0)][string]$Name, [Parameter(Position = 1)][scriptblock]$Fixture, [string[]]$Tag)
    Add-Container 'Context' $Name $Fixture }
function BeforeAll { param([Parameter(Position = 0)][scriptblock]$Scriptblock) $script:Current.BeforeAll.Add($Scriptblock) }
function AfterAll { param([Parameter(Position = 0)][scriptblock]$Scriptblock) $script:Current.AfterAll.Add($Scriptblock) }
function BeforeEach { param([Parameter(Position = 0)][scriptblock]$Scriptblock) $script:Current.BeforeEach.Add($Scriptblock) }
function AfterEach { param([Parameter(Position = 0)][scriptblock]$Scriptblock) $script:Current.AfterEach.Add($Scriptblock) }

function It {
    param([Parameter(Position = 0)][string]$Name, [Parameter(Position = 1)][scriptblock]$Test,
        [Alias('TestCases')][object[]]$ForEach, [switch]$Skip, [string[]]$Tag)
    if (-not $ForEach) { $ForEach = @($null) }
    foreach ($case in $ForEach) {
        $title = $Name
        if ($case -is [System.Collections.IDictionary]) {
            foreach ($k in $case.Keys) { $title = $title.Replace("<$k>", [string]$case[$k]) }
        }
        elseif ($null -ne $case) { $title = $title.Replace('<_>', [string]$case) }
        $it = New-Block 'It' $title $script:Current
        $it.Body = $Test; $it.Skip = [bool]$Skip; $it.Data = $case
        $script:Current.Children.Add($it)
    }
}

function Invoke-Spec {
    # Returns one record per It: Name (Describe > Context > It), Result (Passed/Failed/Skipped), Message.
    param([Parameter(Mandatory)][string]$Path, [switch]$DiscoverOnly)
    $script:Root = New-Block 'Root' '' $null
    $script:Current = $script:Root
    . $Path
    $results = [System.Collections.Generic.List[object]]::new()
    if ($DiscoverOnly) {
        foreach ($it in (Get-Its $script:Root)) {
            $results.Add([pscustomobject]@{ Name = (Get-BlockPath $it); Result = $(if ($it.Skip) { 'Skipped' } else { 'NotRun' }); Message = '' })
        }
    }
    else { Invoke-Block $script:Root $results }
    $results
}

function Get-Its($block) {
    foreach ($c in $block.Children) { if ($c.Kind -eq 'It') { $c } else { Get-Its $c } }
}

function Invoke-Block($block, $results) {
    $failure = $null
    try { foreach ($b in $block.BeforeAll) { . $b } }
    catch { $failure = "BeforeAll failed: $($_.Exception.Message)" }
    foreach ($child in $block.Children) {
        if ($child.Kind -ne 'It') { Invoke-Block $child $results; continue }
        $name = Get-BlockPath $child
        if ($child.Skip) { $results.Add([pscustomobject]@{ Name = $name; Result = 'Skipped'; Message = '' }); continue }
        if ($failure) { $results.Add([pscustomobject]@{ Name = $name; Result = 'Failed'; Message = $failure }); continue }
        $results.Add((Invoke-It $child $name))
    }
    foreach ($b in $block.AfterAll) { try { . $b } catch { } }
}

function Invoke-It($it, [string]$name) {
    $chain = [System.Collections.Generic.List[object]]::new()
    for ($b = $it.Parent; $null -ne $b; $b = $b.Parent) { $chain.Insert(0, $b) }
    try {
        if ($it.Data -is [System.Collections.IDictionary]) {
            foreach ($k in $it.Data.Keys) { $ExecutionContext.SessionState.PSVariable.Set([string]$k, $it.Data[$k]) }
        }
        $_ = $it.Data
        foreach ($b in $chain) { foreach ($s in $b.BeforeEach) { . $s } }
        try { $null = . $it.Body }
        finally {
            for ($i = $chain.Count - 1; $i -ge 0; $i--) { foreach ($s in $chain[$i].AfterEach) { . $s } }
        }
        [pscustomobject]@{ Name = $name; Result = 'Passed'; Message = '' }
    }
    catch {
        $where = " (It at line $($it.Body.StartPosition.StartLine))"
        [pscustomobject]@{ Name = $name; Result = 'Failed'; Message = "$($_.Exception.Message)$where" }
    }
}

function Format-Value($v) {
    if ($null -eq $v) { return '$null' }
    if ($v -is [string]) { return "'$v'" }
    if ($v -is [System.Collections.IEnumerable]) { return '@(' + ((@($v) | ForEach-Object { Format-Value $_ }) -join ', ') + ')' }
    "$v"
}

function Should {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)] $ActualValue,
        [switch]$Not,
        $Be, $BeExactly, $BeLike, $Match, $BeGreaterThan, $BeLessThan, $BeGreaterOrEqual, $BeLessOrEqual,
        [type]$BeOfType, $HaveCount, $Contain, $BeIn,
        [switch]$BeNullOrEmpty, [switch]$BeTrue, [switch]$BeFalse, [switch]$Exist, [switch]$Throw,
        [Parameter(Position = 0)] $ExpectedMessage,
        [string]$Because
    )
    begin { $items = [System.Collections.Generic.List[object]]::new() }
    process { $items.Add($ActualValue) }
    end {
        $actual = if ($items.Count -eq 1) { $items[0] } elseif ($items.Count -eq 0) { $null } else { $items.ToArray() }
        $b = $PSBoundParameters
        $op = $null; $ok = $false; $expected = $null
        if ($b.ContainsKey('Be')) { $op = 'be'; $expected = $Be; $ok = if ($actual -is [array] -or $Be -is [array]) { (@($actual) -join "`u{1}") -eq (@($Be) -join "`u{1}") } else { $actual -eq $Be } }
        elseif ($b.ContainsKey('BeExactly')) { $op = 'be exactly'; $expected = $BeExactly; $ok = $actual -ceq $BeExactly }
        elseif ($b.ContainsKey('BeLike')) { $op = 'be like'; $expected = $BeLike; $ok = $actual -like $BeLike }
        elseif ($b.ContainsKey('Match')) { $op = 'match'; $expected = $Match; $ok = $actual -match $Match }
        elseif ($b.ContainsKey('BeGreaterThan')) { $op = 'be greater than'; $expected = $BeGreaterThan; $ok = $actual -gt $BeGreaterThan }
        elseif ($b.ContainsKey('BeLessThan')) { $op = 'be less than'; $expected = $BeLessThan; $ok = $actual -lt $BeLessThan }
        elseif ($b.ContainsKey('BeGreaterOrEqual')) { $op = 'be greater or equal to'; $expected = $BeGreaterOrEqual; $ok = $actual -ge $BeGreaterOrEqual }
        elseif ($b.ContainsKey('BeLessOrEqual')) { $op = 'be less or equal to'; $expected = $BeLessOrEqual; $ok = $actual -le $BeLessOrEqual }
        elseif ($b.ContainsKey('BeOfType')) { $op = 'be of type'; $expected = $BeOfType; $ok = $actual -is $BeOfType }
        elseif ($b.ContainsKey('HaveCount')) { $op = 'have count'; $expected = $HaveCount; $actual = $items.Count; $ok = $items.Count -eq $HaveCount }
        elseif ($b.ContainsKey('Contain')) { $op = 'contain'; $expected = $Contain; $ok = $items -contains $Contain }
        elseif ($b.ContainsKey('BeIn')) { $op = 'be in'; $expected = $BeIn; $ok = $BeIn -contains $actual }
        elseif ($BeNullOrEmpty) { $op = 'be null or empty'; $ok = $items.Count -eq 0 -or $null -eq $actual -or ($actual -is [string] -and $actual -eq '') -or (($actual -is [System.Collections.ICollection]) -and $actual.Count -eq 0) }
        elseif ($BeTrue) { $op = 'be true'; $ok = [bool]$actual -eq $true }
        elseif ($BeFalse) { $op = 'be false'; $ok = [bool]$actual -eq $false }
        elseif ($Exist) { $op = 'exist'; $ok = [System.IO.File]::Exists([string]$actual) -or [System.IO.Directory]::Exists([string]$actual) }
        elseif ($Throw) {
            $op = 'throw'; $expected = $ExpectedMessage
            $thrown = $null
            try { $null = & $actual } catch { $thrown = $_ }
            $ok = $null -ne $thrown -and ($null -eq $ExpectedMessage -or $thrown.Exception.Message -like $ExpectedMessage)
            $actual = if ($thrown) { "exception '$($thrown.Exception.Message)'" } else { 'no exception' }
        }
        else { throw 'Should: no operator given (e.g. -Be, -BeTrue, -Throw).' }
        if ($Not) { $ok = -not $ok }
        if (-not $ok) {
            $why = if ($Because) { " because $Because" } else { '' }
            $neg = if ($Not) { 'not ' } else { '' }
            $exp = if ($null -ne $expected) { ' ' + (Format-Value $expected) } else { '' }
            throw "Expected ${neg}to $op$exp$why, but got $(Format-Value $actual)."
        }
    }
}

Export-ModuleMember -Function Describe, Context, It, BeforeAll, AfterAll, BeforeEach, AfterEach, Should, Invoke-Spec
