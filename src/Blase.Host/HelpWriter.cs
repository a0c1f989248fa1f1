using System.Management.Automation;
using System.Reflection;
using System.Xml.Linq;

namespace Blase.Host;

/// <summary>
/// Writes the module's MAML help (Blase.Cmdlets.dll-Help.xml) at build time from the cmdlets themselves: names,
/// parameter sets, positions and pipeline binding by reflection; synopsis, description, parameter text and examples
/// from the XML documentation comments (&lt;para type="synopsis|description"&gt;, &lt;summary&gt;, &lt;example&gt;).
/// One source for code and help, so they cannot drift apart.
/// </summary>
internal static class HelpWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static int Write(string folder)
    {
        var assembly = typeof(Blase.Cmdlets.BlaseCmdlet).Assembly;
        var docPath = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(docPath)) { Console.Error.WriteLine($"blase: no XML documentation at {docPath}"); return 1; }
        var docs = XDocument.Load(docPath).Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m);

        var commands = assembly.GetTypes()
            .Select(t => (Type: t, Attr: t.GetCustomAttribute<CmdletAttribute>()))
            .Where(x => x.Attr is not null)
            .OrderBy(x => x.Attr!.VerbName + x.Attr.NounName)
            .Select(x => CommandHelp(x.Type, x.Attr!, docs));
        var help = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            new XAttribute(XNamespace.Xmlns + "maml", Maml), new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev), commands);
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, Path.GetFileName(assembly.Location) + "-Help.xml");
        new XDocument(new XDeclaration("1.0", "utf-8", null), help).Save(target);
        Console.WriteLine($"wrote {target}");
        return 0;
    }

    private static XElement CommandHelp(Type type, CmdletAttribute attr, Dictionary<string, XElement> docs)
    {
        string name = $"{attr.VerbName}-{attr.NounName}";
        docs.TryGetValue("T:" + type.FullName, out var doc);
        string Para(string kind) => Clean(doc?.Descendants("para").FirstOrDefault(p => (string?)p.Attribute("type") == kind)?.Value);
        var parameters = type.GetProperties()
            .Select(p => (Prop: p, Attrs: p.GetCustomAttributes<ParameterAttribute>().ToList()))
            .Where(x => x.Attrs.Count > 0).ToList();
        var sets = parameters.SelectMany(p => p.Attrs.Select(a => a.ParameterSetName)).Where(s => s != ParameterAttribute.AllParameterSets).Distinct().ToList();
        if (sets.Count == 0) sets.Add(ParameterAttribute.AllParameterSets);

        XElement ParamElement(PropertyInfo p, ParameterAttribute a, bool full)
        {
            bool switchParam = p.PropertyType == typeof(SwitchParameter);
            string pipeline = a.ValueFromPipeline && a.ValueFromPipelineByPropertyName ? "True (ByValue, ByPropertyName)"
                : a.ValueFromPipeline ? "True (ByValue)" : a.ValueFromPipelineByPropertyName ? "True (ByPropertyName)" : "False";
            var e = new XElement(Command + "parameter",
                new XAttribute("required", a.Mandatory.ToString().ToLowerInvariant()),
                new XAttribute("globbing", (p.GetCustomAttribute<SupportsWildcardsAttribute>() is not null).ToString().ToLowerInvariant()),
                new XAttribute("pipelineInput", pipeline),
                new XAttribute("position", a.Position >= 0 ? a.Position.ToString() : "named"),
                new XAttribute("aliases", string.Join(", ", p.GetCustomAttribute<AliasAttribute>()?.AliasNames ?? (IEnumerable<string>)new[] { "none" })),
                new XElement(Maml + "name", p.Name));
            if (full) e.Add(new XElement(Maml + "description", new XElement(Maml + "para", ParameterText(type, p, docs))));
            if (!switchParam) e.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"), TypeName(p.PropertyType)));
            if (full) e.Add(new XElement(Dev + "type", new XElement(Maml + "name", p.PropertyType.FullName)));
            return e;
        }

        var syntax = sets.Select(set => new XElement(Command + "syntaxItem", new XElement(Maml + "name", name),
            parameters.Select(p => (p.Prop, Attr: p.Attrs.FirstOrDefault(a => a.ParameterSetName == set || a.ParameterSetName == ParameterAttribute.AllParameterSets)))
                .Where(p => p.Attr is not null)
                .Select(p => ParamElement(p.Prop, p.Attr!, false))));

        var examples = (doc?.Elements("example") ?? Enumerable.Empty<XElement>()).Select((ex, i) =>
            new XElement(Command + "example",
                new XElement(Maml + "title", $"-------------------------- Example {i + 1} --------------------------"),
                new XElement(Dev + "code", Code(ex.Element("code")?.Value)),
                new XElement(Dev + "remarks", ex.Elements("para").Select(p => new XElement(Maml + "para", Clean(p.Value))))));

        var outputs = type.GetCustomAttributes<OutputTypeAttribute>().SelectMany(o => o.Type)
            .Select(t => new XElement(Command + "returnValue", new XElement(Dev + "type", new XElement(Maml + "name", t.Name))));

        return new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", name),
                new XElement(Maml + "description", new XElement(Maml + "para", Para("synopsis"))),
                new XElement(Command + "verb", attr.VerbName),
                new XElement(Command + "noun", attr.NounName)),
            new XElement(Maml + "description", new XElement(Maml + "para", Para("description"))),
            new XElement(Command + "syntax", syntax),
            new XElement(Command + "parameters", parameters.Select(p => ParamElement(p.Prop, p.Attrs[0], true))),
            new XElement(Command + "returnValues", outputs),
            new XElement(Command + "examples", examples));
    }

    private static string ParameterText(Type type, PropertyInfo p, Dictionary<string, XElement> docs) =>
        docs.TryGetValue($"P:{p.DeclaringType!.FullName}.{p.Name}", out var d) ? Clean(d.Element("summary")?.Value) : "";

    private static string TypeName(Type t) => t.IsArray ? TypeName(t.GetElementType()!) + "[]"
        : Nullable.GetUnderlyingType(t) is { } u ? TypeName(u) : t.Name;

    private static string Clean(string? text) =>
        string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    // Keeps the code's own line breaks, without the indentation of the doc comment.
    private static string Code(string? code)
    {
        var lines = (code ?? "").Replace("\r", "").Split('\n').Select(l => l.TrimEnd()).SkipWhile(l => l.Length == 0).Reverse().SkipWhile(l => l.Length == 0).Reverse().ToList();
        int indent = lines.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..] : l));
    }
}
