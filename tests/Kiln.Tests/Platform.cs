// Kiln runs on Linux: its sandbox is bubblewrap and its tests read /proc.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
