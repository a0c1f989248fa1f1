namespace Blase.Engine;

/// <summary>A compute device was asked for by name (-Device Cuda) and is not there; Auto falls back to the CPU instead.</summary>
public sealed class DeviceUnavailableException : InvalidOperationException
{
    public DeviceUnavailableException(string message) : base(message) { }
}
