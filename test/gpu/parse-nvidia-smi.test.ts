import { parseNvidiaSmiCsv } from '../../lib/gpu/nvidia-smi.js';

// Lines in the format of `nvidia-smi --query-gpu=index,name,memory.total,memory.used,utilization.gpu
// --format=csv,noheader,nounits`: ", " between fields, MiB and percent without units.
describe('parseNvidiaSmiCsv', () => {
  test('an 8-GPU H100 node', () => {
    const text = Array.from({ length: 8 }, (_, i) => `${i}, NVIDIA H100 80GB HBM3, 81559, ${70000 + i}, ${90 + (i % 3)}`).join('\n') + '\n';
    const gpus = parseNvidiaSmiCsv(text);
    expect(gpus).toHaveLength(8);
    expect(gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      memory_total_mib: 81559,
      memory_used_mib: 70000,
      utilization_pct: 90,
    });
    expect(gpus[7].index).toBe(7);
  });

  test('mixed models, idle GPUs and CRLF line ends', () => {
    const gpus = parseNvidiaSmiCsv('0, NVIDIA A100-SXM4-80GB, 81920, 0, 0\r\n1, Tesla V100-SXM2-32GB, 32768, 31010, 100\r\n');
    expect(gpus.map((g) => g.name)).toEqual(['NVIDIA A100-SXM4-80GB', 'Tesla V100-SXM2-32GB']);
    expect(gpus[1]).toMatchObject({ memory_total_mib: 32768, memory_used_mib: 31010, utilization_pct: 100 });
  });

  test('[N/A] (MIG) and [Not Supported] fields become null, the rest is kept', () => {
    const gpus = parseNvidiaSmiCsv(
      '0, NVIDIA A100-SXM4-40GB, 40960, 13, [N/A]\n1, NVIDIA GeForce GTX 1050, 4096, [Not Supported], [Not Supported]\n',
    );
    expect(gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA A100-SXM4-40GB',
      memory_total_mib: 40960,
      memory_used_mib: 13,
      utilization_pct: null,
    });
    expect(gpus[1]).toMatchObject({ memory_total_mib: 4096, memory_used_mib: null, utilization_pct: null });
  });

  test('messages instead of data give no GPU', () => {
    expect(parseNvidiaSmiCsv('No devices were found\n')).toEqual([]);
    expect(
      parseNvidiaSmiCsv(
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
          'Make sure that the latest NVIDIA driver is installed and running.\n',
      ),
    ).toEqual([]);
    expect(parseNvidiaSmiCsv('')).toEqual([]);
    expect(parseNvidiaSmiCsv('index, name, memory.total [MiB], memory.used [MiB], utilization.gpu [%]\n')).toEqual([]);
  });

  test('blank lines and stray spaces are tolerated; a name with a comma is kept whole', () => {
    const gpus = parseNvidiaSmiCsv('\n  0 ,  Some GPU, rev 2 , 1000 , 10 , 5  \n\n');
    expect(gpus).toEqual([{ index: 0, name: 'Some GPU, rev 2', memory_total_mib: 1000, memory_used_mib: 10, utilization_pct: 5 }]);
  });
});
