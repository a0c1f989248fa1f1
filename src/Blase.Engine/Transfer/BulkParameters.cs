namespace Blase.Engine.Transfer;

/// <summary>The transfer's bulk parameters: RV (km/s), v sin i (km/s, as |θ| so the fit may cross zero smoothly) and ln R.</summary>
public sealed class BulkParameters
{
    public double RadialVelocity { get; set; }
    public double VsiniParameter { get; set; }
    public double LnResolvingPower { get; set; }
    public double Vsini => Math.Abs(VsiniParameter);
    public double ResolvingPower => Math.Exp(LnResolvingPower);
    public BulkParameters Copy() => (BulkParameters)MemberwiseClone();
}
