package seam

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/lock"
)

// device is the part of Seam's device object that Gatehouse reads
// (seamapi/types: models/devices/device.ts and capability-properties/*).
type device struct {
	DeviceID              string          `json:"device_id"`
	DeviceType            string          `json:"device_type"`
	DisplayName           string          `json:"display_name"`
	CapabilitiesSupported []string        `json:"capabilities_supported"`
	Properties            json.RawMessage `json:"properties"`
	Location              *struct {
		Timezone string `json:"timezone"`
	} `json:"location"`
	CanRemotelyLock              *bool `json:"can_remotely_lock"`
	CanRemotelyUnlock            *bool `json:"can_remotely_unlock"`
	CanProgramOnlineAccessCodes  *bool `json:"can_program_online_access_codes"`
	CanProgramOfflineAccessCodes *bool `json:"can_program_offline_access_codes"`
}

type deviceProps struct {
	Name       string `json:"name"`
	Appearance struct {
		Name string `json:"name"`
	} `json:"appearance"`
	Online       bool     `json:"online"`
	Locked       *bool    `json:"locked"`
	Manufacturer string   `json:"manufacturer"`
	BatteryLevel *float64 `json:"battery_level"`
	Battery      *struct {
		Level *float64 `json:"level"`
	} `json:"battery"`
	Model struct {
		DisplayName                 string `json:"display_name"`
		ManufacturerDisplayName     string `json:"manufacturer_display_name"`
		OnlineAccessCodesSupported  *bool  `json:"online_access_codes_supported"`
		OfflineAccessCodesSupported *bool  `json:"offline_access_codes_supported"`
	} `json:"model"`
	FirmwareVersion         string           `json:"firmware_version"`
	CodeConstraints         []codeConstraint `json:"code_constraints"`
	SupportedCodeLengths    []int            `json:"supported_code_lengths"`
	MaxActiveCodesSupported *int             `json:"max_active_codes_supported"`
}

type codeConstraint struct {
	ConstraintType string `json:"constraint_type"`
	MinLength      *int   `json:"min_length"`
	MaxLength      *int   `json:"max_length"`
}

// ListLocks returns every lock in the workspace. Seam's devices/list also returns
// thermostats and sensors; only devices that can lock or hold codes are kept.
func (c *Client) ListLocks(ctx context.Context) ([]lock.Device, error) {
	var out []lock.Device
	err := c.listAll(ctx, "devices/list", map[string]any{}, func(raw json.RawMessage) (*pagination, error) {
		var page struct {
			Devices    []device    `json:"devices"`
			Pagination *pagination `json:"pagination"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, err
		}
		for _, d := range page.Devices {
			dev, ok, err := mapDevice(d)
			if err != nil {
				return nil, fmt.Errorf("device %s: %w", d.DeviceID, err)
			}
			if ok {
				out = append(out, dev)
			}
		}
		return page.Pagination, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mapDevice turns a Seam device into a lock.Device; ok is false for non-locks.
func mapDevice(d device) (lock.Device, bool, error) {
	var p deviceProps
	if len(d.Properties) > 0 {
		if err := json.Unmarshal(d.Properties, &p); err != nil {
			return lock.Device{}, false, err
		}
	}
	if !isLock(d, p) {
		return lock.Device{}, false, nil
	}
	dev := lock.Device{
		ID:           d.DeviceID,
		Name:         firstNonEmpty(d.DisplayName, p.Appearance.Name, p.Name),
		Manufacturer: firstNonEmpty(p.Model.ManufacturerDisplayName, p.Manufacturer),
		Model:        p.Model.DisplayName,
		Online:       p.Online,
		Locked:       p.Locked,
		Firmware:     firstNonEmpty(p.FirmwareVersion, metadataFirmware(d.Properties)),
		Caps:         capabilities(d, p),
	}
	// battery_level is the documented field; battery.level is the newer grouping.
	switch {
	case p.BatteryLevel != nil:
		dev.Battery = p.BatteryLevel
	case p.Battery != nil && p.Battery.Level != nil:
		dev.Battery = p.Battery.Level
	}
	if d.Location != nil {
		dev.TimeZone = d.Location.Timezone
	}
	return dev, true, nil
}

// isLock keeps devices that lock or take codes. capabilities_supported alone is not
// enough: Seam's fake marks every device ["lock", "access_code"], thermostats too.
func isLock(d device, p deviceProps) bool {
	if !slices.Contains(d.CapabilitiesSupported, "lock") && !slices.Contains(d.CapabilitiesSupported, "access_code") {
		return false
	}
	return p.Locked != nil || isTrue(d.CanRemotelyLock) || isTrue(d.CanRemotelyUnlock) ||
		isTrue(d.CanProgramOnlineAccessCodes) || isTrue(d.CanProgramOfflineAccessCodes) ||
		strings.HasSuffix(d.DeviceType, "_lock")
}

// capabilities maps Seam's access-code properties onto lock.Capabilities.
func capabilities(d device, p deviceProps) lock.Capabilities {
	caps := lock.Capabilities{
		// Seam takes starts_at/ends_at for every device that programs online codes,
		// and enforces the window itself: natively where the lock can, otherwise by
		// setting and removing the code at the edges. Either way Gatehouse need not
		// schedule. The model flag is the deprecated spelling of the same fact.
		NativeSchedules: isTrue(d.CanProgramOnlineAccessCodes) ||
			(d.CanProgramOnlineAccessCodes == nil && isTrue(p.Model.OnlineAccessCodesSupported)),
		// Seam access codes are keypad PINs.
		DigitsOnly: true,
	}
	if p.MaxActiveCodesSupported != nil {
		caps.Slots = *p.MaxActiveCodesSupported
	}
	if len(p.SupportedCodeLengths) > 0 {
		caps.MinCodeLen = slices.Min(p.SupportedCodeLengths)
		caps.MaxCodeLen = slices.Max(p.SupportedCodeLengths)
	}
	for _, cc := range p.CodeConstraints {
		switch {
		case cc.ConstraintType == "":
		case cc.ConstraintType == "name_length":
			r := "name_length"
			if cc.MinLength != nil {
				r += fmt.Sprintf(" min=%d", *cc.MinLength)
			}
			if cc.MaxLength != nil {
				r += fmt.Sprintf(" max=%d", *cc.MaxLength)
			}
			caps.Rules = append(caps.Rules, r)
		default:
			caps.Rules = append(caps.Rules, cc.ConstraintType)
		}
	}
	return caps
}

// metadataFirmware finds a firmware_version inside a provider's metadata block
// (properties.<provider>_metadata); Seam has no common firmware field.
func metadataFirmware(props json.RawMessage) string {
	var all map[string]json.RawMessage
	if json.Unmarshal(props, &all) != nil {
		return ""
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		if strings.HasSuffix(k, "_metadata") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // deterministic if two providers ever both report one
	for _, k := range keys {
		var md struct {
			FirmwareVersion string `json:"firmware_version"`
		}
		if json.Unmarshal(all[k], &md) == nil && md.FirmwareVersion != "" {
			return md.FirmwareVersion
		}
	}
	return ""
}

func isTrue(b *bool) bool { return b != nil && *b }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
