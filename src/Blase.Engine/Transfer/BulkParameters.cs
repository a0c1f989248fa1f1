namespace Blase.Engine.Transfer;

/// <summary>The transfer's bulk parameters: RV (km/s), v sin i (km/s, as |θ| so the fit may cross zero smoothly) and ln R.</summary>
public sealed class BulkParameters
{
    public double RadialVelocity { get; set; }
    /// <summary>
    /// How far the fit may take the RV from where it started (km/s): the start comes from the χ² ladder or the user, and the
    /// lines evaluated per order were chosen for this reach. Without a bound, an order where tellurics or template mismatch
    /// dominate lets RV drift where no line of the template remains (seen: +798 km/s in HPF order 7 of Barnard's star).
    /// </summary>
    public double RadialVelocityReach { get; set; } = double.PositiveInfinity;
    public double RadialVelocityStart { get; set; }
    public double VsiniParameter { get; set; }
    public double LnResolvingPower { get; set; }
    public double Vsini => Math.Abs(VsiniParameter);
    public double ResolvingPower => Math.Exp(LnResolvingPower);
    public BulkParameters Copy() => (BulkParameters)MemberwiseClone();
}
