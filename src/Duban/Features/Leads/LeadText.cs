namespace Duban.Features.Leads;

/// <summary>The leads pages' text: LeadText.resx (zh-CN, the default) and LeadText.en-US.resx, kept in the module.</summary>
public sealed class LeadText;
