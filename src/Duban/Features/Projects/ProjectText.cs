namespace Duban.Features.Projects;

/// <summary>The key projects' pages' text: ProjectText.resx (zh-CN, the default) and ProjectText.en-US.resx, kept in the module.</summary>
public sealed class ProjectText;
