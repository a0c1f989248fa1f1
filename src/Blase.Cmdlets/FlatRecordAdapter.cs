using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Reflection;

namespace Blase.Cmdlets;

/// <summary>
/// Makes Blase's rich objects (spectra, line models, transfer results) export flat: their adapted properties, which
/// Export-Csv and ConvertTo-Csv take as columns, are the flat ones only (numbers, strings, enums, booleans); arrays and
/// nested objects (a spectrum's Flux, a model's Center, a result's Model) stay reachable by name ($spectrum.Flux) but are
/// not listed, so no column holds "System.Double[]". The module registers it for those types (Blase.psm1); the engine
/// knows nothing of it. A DefaultDisplayPropertySet cannot do this for Export-Csv: it changes only what Format-List
/// shows (and what Export-Excel -DisplayPropertySet writes). What it cannot reach: PSObject.Properties (all members,
/// which ImportExcel's Export-Excel takes without -DisplayPropertySet, and Select-Object *) adds the .NET members after
/// the adapted ones, and ConvertTo-Json reads the .NET properties by reflection.
/// </summary>
public sealed class FlatRecordAdapter : PSPropertyAdapter
{
    private const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance;

    public override Collection<PSAdaptedProperty> GetProperties(object baseObject) =>
        new(baseObject.GetType().GetProperties(Public)
            .Where(p => p.GetIndexParameters().Length == 0 && IsFlat(p.PropertyType))
            .Select(p => new PSAdaptedProperty(p.Name, p)).ToList());

    public override PSAdaptedProperty? GetProperty(object baseObject, string propertyName) =>
        baseObject.GetType().GetProperty(propertyName, Public | BindingFlags.IgnoreCase) is { } p && p.GetIndexParameters().Length == 0
            ? new PSAdaptedProperty(p.Name, p)
            : null;

    public override bool IsGettable(PSAdaptedProperty adaptedProperty) => Info(adaptedProperty).CanRead;

    public override bool IsSettable(PSAdaptedProperty adaptedProperty) => Info(adaptedProperty).SetMethod?.IsPublic == true;

    public override object? GetPropertyValue(PSAdaptedProperty adaptedProperty) => Info(adaptedProperty).GetValue(adaptedProperty.BaseObject);

    public override void SetPropertyValue(PSAdaptedProperty adaptedProperty, object value)
    {
        var p = Info(adaptedProperty);
        p.SetValue(adaptedProperty.BaseObject, LanguagePrimitives.ConvertTo(value, p.PropertyType));
    }

    public override string GetPropertyTypeName(PSAdaptedProperty adaptedProperty) => Info(adaptedProperty).PropertyType.FullName!;

    private static PropertyInfo Info(PSAdaptedProperty p) => (PropertyInfo)p.Tag;

    /// <summary>A value a spreadsheet cell holds as it is: a number, a string, an enum, a flag, a date.</summary>
    private static bool IsFlat(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(DateTime) || t == typeof(TimeSpan);
    }
}
