namespace Duban.Features.PhoneDesk;

/// <summary>The phone desk's text: PhoneDeskText.resx (zh-CN, the default) and PhoneDeskText.en-US.resx, kept in the module.</summary>
public sealed class PhoneDeskText;
