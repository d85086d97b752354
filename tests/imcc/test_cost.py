"""imcc's cost model uses imcvp's energy model (compiler/imcc/passes/cost.py; docs/imc-model.md,
"Energy" and "Technology node"): Walden ADC energy and SAR time vs bits, bit-serial
conversions, node scaling of the digital energies with the same Stillmaker & Baas table."""
import copy
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "compiler"))
from imcc.passes import cost  # noqa: E402


def analog():
    return {"kind": "analog", "rows": 256, "cols": 256, "input_bits": 8, "weight_bits": 8,
            "device": {"g_min_us": 0.25, "g_max_us": 25.0, "devices_per_weight": 2},
            "dac": {"mode": "pwm", "step_ns": 0.4, "energy_pj": 0.05},
            "adc": {"count": 256, "conversion_ns": 30, "energy_pj": 2.0, "bits": 8},
            "periphery": {"postproc_ns": 4, "postproc_energy_pj": 0.9, "cell_energy_pj": 0.01,
                          "read_voltage_v": 0.2}}


class CostModel(unittest.TestCase):
    def test_node_scaling_matches_imcvp_table(self):
        # The C++ test TechScaling.TableNodesEvaluateThePublishedEquations pins the same values.
        e45 = 1.018 - 0.3107 + 0.1539
        e14 = 0.2363 * 0.64 - 0.09675 * 0.8 + 0.02239
        self.assertAlmostEqual(cost.energy_scale(45, 14), e14 / e45, places=12)
        self.assertAlmostEqual(cost.delay_scale(45, 14), 0.361, places=3)
        self.assertAlmostEqual(cost.energy_scale(14, 45) * cost.energy_scale(45, 14), 1.0)
        self.assertTrue(cost.energy_scale(32, 20) < cost.energy_scale(32, 22) < 1.0)
        with self.assertRaises(ValueError):
            cost.energy_scale(45, 5)

    def test_adc_energy_and_time_follow_the_bits(self):
        t8 = analog()
        t4 = copy.deepcopy(t8)
        t4["adc"]["bits"] = 4
        self.assertAlmostEqual(cost.adc_energy_pj(t8), 2.0)
        self.assertAlmostEqual(cost.adc_energy_pj(t4), 2.0 / 16)
        self.assertAlmostEqual(cost.adc_conversion_ns(t4), 30 * 5 / 9)
        self.assertAlmostEqual(cost.mvm_ns(t8, 256), 255 * 0.4 + 30 + 4)
        self.assertAlmostEqual(cost.mvm_pj(t8, 256, 256) - cost.mvm_pj(t4, 256, 256),
                               256 * (2.0 - 0.125))
        t4["adc"]["energy_model"] = "constant"
        self.assertAlmostEqual(cost.adc_energy_pj(t4), 2.0)

    def test_bit_serial_converts_once_per_bit(self):
        t = analog()
        pwm = cost.mvm_pj(t, 256, 256)
        t["dac"]["mode"] = "bit-serial"
        bs = cost.mvm_pj(t, 256, 256)
        self.assertGreater(bs, pwm)
        # Signed inputs (imcc's int8 activations): 7 magnitude planes; unsigned: 8.
        self.assertAlmostEqual(cost.mvm_ns(t, 256), 7 * (0.4 + 30) + 4)
        self.assertAlmostEqual(cost.mvm_ns(t, 256, signed=False), 8 * (0.4 + 30) + 4)
        t["adc"]["energy_model"] = "constant"
        t["adc"]["energy_pj"] = 1.0
        t["dac"]["energy_pj"] = 0.0
        t["periphery"]["array_energy_model"] = "constant"
        t["periphery"]["cell_energy_pj"] = 0.0
        t["periphery"]["postproc_energy_pj"] = 0.0
        self.assertAlmostEqual(cost.mvm_pj(t, 256, 256), 256 * 7)  # one conversion per plane

    def test_bit_sliced_weights_and_input_phases(self):
        # imcvp's weight_slices()/input_phases()/input_phase_steps() (C++ tests
        # BitSlicing.PhaseCounts, BitSlicing.CostCountsSlicesAndPhases).
        t = analog()
        self.assertEqual(cost.weight_slices(t), 1)
        t["device"]["bits_per_cell"] = 2
        self.assertEqual(cost.weight_slices(t), 4)
        t["device"]["bits_per_cell"] = 7
        self.assertEqual(cost.weight_slices(t), 1)
        t["device"]["bits_per_cell"] = 1
        self.assertEqual(cost.weight_slices(t), 7)
        # PWM, 7 slices: 7 conversion rounds of 256 columns on 256 ADCs, 7x the conversions.
        self.assertAlmostEqual(cost.mvm_ns(t, 256), 255 * 0.4 + 7 * 30 + 4)
        t["dac"]["mode"] = "bit-serial"
        t["dac"]["bits_per_phase"] = 2
        self.assertEqual(cost.input_phases(t), 4)  # 7 planes: 2+2+2+1
        self.assertEqual(cost.input_phase_steps(t), 10)
        self.assertEqual(cost.input_phases(t, signed=False), 4)
        self.assertEqual(cost.input_phase_steps(t, signed=False), 12)
        self.assertAlmostEqual(cost.mvm_ns(t, 256), 10 * 0.4 + 4 * 7 * 30 + 4)
        t["adc"]["energy_model"] = "constant"
        t["adc"]["energy_pj"] = 1.0
        t["dac"]["energy_pj"] = 0.0
        t["periphery"]["array_energy_model"] = "constant"
        t["periphery"]["cell_energy_pj"] = 0.0
        t["periphery"]["postproc_energy_pj"] = 0.0
        self.assertAlmostEqual(cost.mvm_pj(t, 256, 256), 256 * 7 * 4)
        t["dac"]["bits_per_phase"] = 1
        self.assertAlmostEqual(cost.mvm_pj(t, 256, 256), 256 * 7 * 7)
        # Programming: every slice's devices.
        t.update(nonideal={"verify_max_iterations": 1})
        t["device"].update(program_rows_parallel=1, write_pulse_ns=100, verify_ns=100,
                           write_pulse_energy_pj=10, verify_energy_pj=0)
        self.assertAlmostEqual(cost.program_cost(t, 4, 4)[1], 4 * 4 * 7 * 2 * 2 * 10)

    def test_analog_slice_readout_converts_columns_not_slices(self):
        # imcvp's analog_mvm_cost() with device.slice_readout analog (C++ test
        # SliceReadout.CostCountsColumnsNotSlices): one conversion per weight column and input
        # phase, rounds over the weight columns; the array energy still counts every slice.
        t = analog()
        t["device"]["bits_per_cell"] = 1  # 7 slices
        t["dac"]["mode"] = "bit-serial"
        t["dac"]["bits_per_phase"] = 2  # signed: 7 planes in 4 phases of 10 steps
        self.assertEqual(cost.converted_slices(t), 7)
        digital_ns, digital_pj = cost.mvm_ns(t, 256), cost.mvm_pj(t, 256, 256)
        t["device"]["slice_readout"] = "analog"
        self.assertEqual(cost.converted_slices(t), 1)
        self.assertEqual(cost.weight_slices(t), 7)
        self.assertAlmostEqual(cost.mvm_ns(t, 256), 10 * 0.4 + 4 * 1 * 30 + 4)
        self.assertAlmostEqual(digital_ns, 10 * 0.4 + 4 * 7 * 30 + 4)
        # Energy: only the conversions change (7 x 4 -> 4 per column).
        e_conv = cost.adc_energy_pj(t)
        self.assertAlmostEqual(digital_pj - cost.mvm_pj(t, 256, 256), 256 * 4 * 6 * e_conv,
                               places=6)
        t["adc"]["count"] = 64  # 256 weight columns on 64 ADCs: 4 rounds per phase
        self.assertAlmostEqual(cost.mvm_ns(t, 256), 10 * 0.4 + 4 * 4 * 30 + 4)
        # Programming still writes every slice's devices.
        t.update(nonideal={"verify_max_iterations": 1})
        t["device"].update(program_rows_parallel=1, write_pulse_ns=100, verify_ns=100,
                           write_pulse_energy_pj=10, verify_energy_pj=0)
        self.assertAlmostEqual(cost.program_cost(t, 4, 4)[1], 4 * 4 * 7 * 2 * 2 * 10)

    def test_adc_energy_node_scaling_has_two_regimes(self):
        # imcvp's adc_node_factor() (C++ test AdcNode.TwoRegimeScaling): the digital energy
        # scaling up to 9 bits, none from 11 bits, the geometric mean at 10 bits.
        t = analog()
        self.assertAlmostEqual(cost.adc_energy_pj(t), 2.0)  # adc.node_nm 14 = area.node_nm
        t["adc"]["node_nm"] = 45
        s = cost.energy_scale(45, 14)
        self.assertAlmostEqual(cost.adc_energy_pj(t), 2.0 * s)
        t["adc"]["bits"] = 10
        self.assertAlmostEqual(cost.adc_energy_pj(t), 8.0 * math.sqrt(s))
        t["adc"]["bits"] = 12
        self.assertAlmostEqual(cost.adc_energy_pj(t), 32.0)
        t["adc"]["bits"] = 8
        t["area"] = {"node_nm": 45}
        self.assertAlmostEqual(cost.adc_energy_pj(t), 2.0)

    def test_digital_energies_scale_from_their_node(self):
        t = {"kind": "digital", "input_bits": 4, "weight_bits": 4,
             "digital": {"cycle_ns": 1, "cycles_per_bit": 1, "mac_energy_pj": 0.05},
             "periphery": {"postproc_ns": 4, "postproc_energy_pj": 0.9}}
        e14 = cost.mvm_pj(t, 256, 64)
        mac14 = 256 * 64 * 0.05 * cost.energy_scale(22, 14) * 16 / 64
        self.assertAlmostEqual(e14, mac14 + 64 * 0.9 * cost.energy_scale(45, 14))
        t["area"] = {"node_nm": 22}
        e22 = cost.mvm_pj(t, 256, 64)
        self.assertAlmostEqual(e22, 256 * 64 * 0.05 * 16 / 64 + 64 * 0.9 * cost.energy_scale(45, 22))
        # Clocks are given at area.clock_node_nm (14 nm): slower at 22 nm.
        self.assertAlmostEqual(cost.mvm_ns(t, 64), (4 + 4) * cost.delay_scale(14, 22))
        self.assertTrue(math.isfinite(e22))


if __name__ == "__main__":
    unittest.main()
