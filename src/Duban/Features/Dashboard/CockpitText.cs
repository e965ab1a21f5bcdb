namespace Duban.Features.Dashboard;

/// <summary>The leader's cockpit's text: CockpitText.resx (zh-CN, the default) and CockpitText.en-US.resx, kept in the feature.</summary>
public sealed class CockpitText;
